#!/usr/bin/env python3
"""run.py — `make bench`: throughput and latency of the main pages through nginx, next to the
framework floor (a page that only renders a template) and nginx serving a static file, on a
large data set (thousands of releases, tens of thousands of activities, hundreds of thousands
of audit rows).  Prints ratios measured in one run; asserts nothing about speed."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402

DURATION = os.environ.get("BENCH_SECONDS", "8")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")


def wrk(url, cookie=None):
    cmd = ["wrk", "-t2", "-c" + CONNECTIONS, "-d" + DURATION + "s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", "Cookie: " + cookie]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(non2xx.group(1)) if non2xx else 0


def worker_rss(server):
    out = {}
    for pid in server.pids()[1]:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
            out[pid] = int(m.group(1)) if m else 0
    return out


def main():
    releases = os.environ.get("BENCH_RELEASES", "3000")
    audit_rows = os.environ.get("BENCH_AUDIT_ROWS", "300000")
    server = harness.Server(env={"HOLDPOINT_WORKERS": "2"}).start()
    try:
        r = server.cli("seed-bench", releases, audit_rows)
        print(r.stdout.strip())
        def session(username):
            c = server.client()
            c.login(username)
            return "; ".join("%s=%s" % kv for kv in c.cookies.items())
        cookie, carol = session("bob"), session("carol")
        rel = server.sql("SELECT max(id) FROM releases")[0][0]
        act = server.sql("SELECT id FROM activities WHERE release_id=? AND name='qa-signoff'", rel)[0][0]
        pages = [
            ("static file (nginx)", server.url("/static/css/holdpoint.css"), None),
            ("floor: sign-in page (template only)", server.url("/login"), None),
            ("inbox (carol: 2 for her, %s for others)" % releases, server.url("/"), carol),
            ("inbox (bob: ~%s waiting for him)" % releases, server.url("/"), cookie),
            ("releases list", server.url("/releases"), cookie),
            ("release view", server.url("/releases/%d" % rel), cookie),
            ("activity view", server.url("/activities/%d" % act), cookie),
        ]
        before = worker_rss(server)
        results = []
        for name, url, ck in pages:
            rps, p99, bad = wrk(url, ck)
            results.append((name, rps, p99, bad))
        after = worker_rss(server)
        floor = results[1][1]
        print("\n%-40s %12s %10s %10s %8s" % ("page", "requests/s", "p99 ms", "vs floor", "errors"))
        for name, rps, p99, bad in results:
            print("%-40s %12.0f %10.2f %9.2fx %8d" % (name, rps, p99, rps / floor, bad))
        print("\nworker resident memory, kB (before -> after the run):")
        for pid in sorted(before):
            print("  pid %d: %d -> %d" % (pid, before[pid], after.get(pid, 0)))
        print("\n%s connections, %s s per page, 2 workers, on this machine." % (CONNECTIONS, DURATION))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
