#!/usr/bin/env python3
"""layers.py — check that cgi-src's #include arrows point only down, and that no modules include each other in a circle.

The layers, from the bottom (see README, "A tour of the source"):
    base  pure  services  core  http  web  cli
A file may include headers of its own layer and of the layers below it, never above.
A module is a .c file and its .h; two modules that reach each other through includes form a circle.
Exit 0 when both hold; else print every offending include and circle and exit 1.
"""
import os
import re
import sys

LAYERS = ["base", "pure", "services", "core", "http", "web", "cli"]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cgi-src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    where = {}          # header or source basename -> layer
    files = []
    for layer in LAYERS:
        d = os.path.join(ROOT, layer)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith((".c", ".h", ".cc")):
                where[name] = layer
                files.append((layer, name, os.path.join(d, name)))
    stray = [n for n in os.listdir(ROOT) if n.endswith((".c", ".h", ".cc"))]
    problems = ["cgi-src/%s is in no layer: move it into one of %s" % (n, ", ".join(LAYERS)) for n in stray]
    graph = {}
    for layer, name, path in files:
        mod = os.path.splitext(name)[0]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            if inc not in where:
                problems.append("%s/%s includes \"%s\", which is not in cgi-src" % (layer, name, inc))
                continue
            to = where[inc]
            if LAYERS.index(to) > LAYERS.index(layer):
                problems.append("%s/%s includes %s/%s: an arrow up from %s to %s" % (layer, name, to, inc, layer, to))
            target = os.path.splitext(inc)[0]
            if target != mod:
                graph.setdefault(mod, set()).add(target)
    # circles: strongly connected components of more than one module (Tarjan)
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    for comp in comps:
        problems.append("include circle: " + " <-> ".join(comp))
    for p in problems:
        print("layers: " + p)
    print("layers: %d files in %d layers, %d problem(s)" % (len(files), len(LAYERS), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
