#!/usr/bin/env python3
"""run.py — `make bench`: what each main page costs, next to what the platform can do, in one run.

  limit  nginx serving a static copy of the release view's bytes (same nginx settings, 2 workers)
  floor  tests/bench/floor.c: libfcgi + ctemplate rendering a page of the same size, 2 workers, no database
  pages  the release, activity and phase views, both inboxes, the releases list (first and a deep page),
         the audit trail, the approvals log, the insights, and the API's release and approvals calls

Each with requests/s, p50, p99, errors and the ratios to the floor (measured again just before each
page: the machine's speed drifts) and to the limit, on the bench data
(`holdpoint seed-bench`), then again at 10x the data.  Then the audit export against `sqlite3 -csv`
on the same rows, and worker memory.  Prints tables; asserts nothing about speed.

Environment: BENCH_SECONDS (8 per page), BENCH_CONNECTIONS (32), BENCH_RELEASES (5000),
BENCH_AUDIT_ROWS (500000), BENCH_GROWTH (10; 1 skips the second pass).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402

ROOT = harness.ROOT
BUILD = os.path.join(ROOT, os.environ.get("HOLDPOINT_BUILD", "build"))
DURATION = os.environ.get("BENCH_SECONDS", "8")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
RELEASES = int(os.environ.get("BENCH_RELEASES", "5000"))
AUDIT_ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "500000"))
GROWTH = int(os.environ.get("BENCH_GROWTH", "10"))
WORKERS = "2"


def wrk(url, headers=(), seconds=None):
    cmd = ["wrk", "-t2", "-c" + CONNECTIONS, "-d%ss" % (seconds or DURATION), "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout

    def ms(pct):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % pct, out)
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else float("nan")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    nerr = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in errs.groups()) if errs else 0)
    return {"rps": rps, "p50": ms(50), "p99": ms(99), "errors": nerr, "requests": total}


def seed(server, releases, audit_rows):
    """holdpoint seed-bench (no time limit: ten times the data takes minutes)."""
    t = time.monotonic()
    r = subprocess.run([harness.HOLDPOINT, "seed-bench", str(releases), str(audit_rows)], env=server.env,
                       capture_output=True, text=True, check=True)
    print(r.stdout.strip(), "(%.0f s)" % (time.monotonic() - t))
    sys.stdout.flush()


def status_kb(pids, field):
    """A memory figure of /proc/PID/status for each process, kB: VmRSS, RssAnon (its own), VmHWM (peak)."""
    out = {}
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                m = re.search(r"%s:\s+(\d+) kB" % field, f.read())
            out[pid] = int(m.group(1)) if m else 0
        except OSError:
            out[pid] = 0
    return out


def rss_kb(pids):
    return status_kb(pids, "VmRSS")


class Platform:
    """A second nginx, configured like Holdpoint's, serving the static copy and the floor program."""

    def __init__(self, page_bytes):
        self.dir = tempfile.mkdtemp(prefix="holdpoint-bench-")
        os.chmod(self.dir, 0o755)
        self.port = harness.free_port()
        self.sock = os.path.join(self.dir, "floor.sock")
        with open(os.path.join(self.dir, "release.html"), "wb") as f:
            f.write(page_bytes)
        self.floor = None
        self.rows = 60
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.dir, d))
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""%(user)s
worker_processes 2;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log %(d)s/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30s;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        location = /static-release.html { alias %(d)s/release.html; default_type text/html; }
        location = /floor {
            fastcgi_pass unix:%(sock)s;
            include /etc/nginx/fastcgi_params;
        }
    }
}
""" % {"d": self.dir, "port": self.port, "sock": self.sock,
       "user": "user root;" if os.geteuid() == 0 else ""})
        subprocess.run(["nginx", "-q", "-e", os.path.join(self.dir, "error.log"), "-c", conf], check=True)

    def start_floor(self, rows):
        self.stop_floor()
        self.rows = rows
        self.floor = subprocess.Popen([os.path.join(BUILD, "bench", "floor"), self.sock,
                                       os.path.join(ROOT, "tests", "bench"), str(rows), WORKERS],
                                      start_new_session=True)
        harness.poll(lambda: os.path.exists(self.sock), what="the floor program's socket")

    def stop_floor(self):
        if self.floor:
            os.killpg(self.floor.pid, 15)
            self.floor.wait(timeout=20)
            self.floor = None
        if os.path.exists(self.sock):
            os.unlink(self.sock)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.stop_floor()
        try:
            with open(os.path.join(self.dir, "nginx.pid")) as f:
                os.kill(int(f.read().strip()), 3)
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def fetch(url, headers):
    req = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    with urllib.request.urlopen(req) as r:
        return r.read()


def pages(server, cookies, token):
    """(name, url, headers) of the pages measured, on the newest release."""
    rel = server.sql("SELECT max(id) FROM releases")[0][0]
    act = server.sql("SELECT id FROM activities WHERE release_id=? AND name='qa-signoff'", rel)[0][0]
    phase = server.sql("SELECT phase_id FROM activities WHERE id=?", act)[0][0]
    deep = server.sql("SELECT id FROM releases ORDER BY id LIMIT 1 OFFSET 50")[0][0]
    waiting_bob = server.sql("SELECT count(DISTINCT activity_id) FROM may_act m JOIN users u ON u.id=m.user_id"
                             " WHERE u.username='bob'")[0][0]
    waiting_carol = server.sql("SELECT count(DISTINCT activity_id) FROM may_act m JOIN users u ON u.id=m.user_id"
                               " WHERE u.username='carol'")[0][0]
    bob, carol, erin, alice = (["Cookie: " + cookies[u]] for u in ("bob", "carol", "erin", "alice"))
    api = ["Authorization: Bearer " + token]
    return [
        ("release view", server.url("/releases/%d" % rel), bob),
        ("activity view", server.url("/activities/%d" % act), bob),
        ("phase view", server.url("/phases/%d" % phase), bob),
        ("inbox, %d waiting" % waiting_carol, server.url("/"), carol),
        ("inbox, %d waiting" % waiting_bob, server.url("/"), bob),
        ("inbox, release manager", server.url("/"), alice),
        ("releases list", server.url("/releases"), bob),
        ("releases list, deep page", server.url("/releases?older=%d" % deep), bob),
        ("audit trail", server.url("/audit"), erin),
        ("approvals log", server.url("/releases/%d/approvals" % rel), erin),
        ("insights, last 30 days", server.url("/insights"), erin),
        ("API release", server.url("/api/v1/releases/%d" % rel), api),
        ("API approvals", server.url("/api/v1/approvals?limit=50"), api),
    ]


def measure(server, platform, cookies, token, label):
    todo = pages(server, cookies, token)
    size = len(fetch(todo[0][1], todo[0][2]))
    floor_size = len(fetch(platform.url("/floor"), []))
    rows = max(1, round(platform.rows * size / max(floor_size, 1)))
    if abs(rows - platform.rows) > 1:
        platform.start_floor(rows)                   # the floor renders as many bytes as the release view
        floor_size = len(fetch(platform.url("/floor"), []))
    results = [("limit: nginx, static copy", wrk(platform.url("/static-release.html")), size),
               ("floor: FastCGI + ctemplate", wrk(platform.url("/floor")), floor_size)]
    # The machine's speed drifts by 10-25% within minutes: the floor is measured again just
    # before each page (half as long), and each page is compared with the floor beside it.
    beside = {results[0][0]: results[1][1]["rps"], results[1][0]: results[1][1]["rps"]}
    for name, url, headers in todo:
        beside[name] = wrk(platform.url("/floor"), seconds=max(1, int(float(DURATION)) // 2))["rps"]
        results.append((name, wrk(url, headers), len(fetch(url, headers))))
    limit, floor = results[0][1]["rps"], results[1][1]["rps"]
    # The floor again at the sizes of the larger pages: what libfcgi + ctemplate can do for as
    # many bytes (time per request is close to a straight line in the bytes; interpolated).
    # Each point's time is scaled to the speed the machine had when the floor was first measured
    # (the floor of the release view's size measured again just before it).
    base_rows, points = platform.rows, [(floor_size, 1.0 / floor)]
    for mult in (2.5, 6):
        near = wrk(platform.url("/floor"), seconds=max(1, int(float(DURATION)) // 2))["rps"]
        platform.start_floor(round(base_rows * mult))
        points.append((len(fetch(platform.url("/floor"), [])), (near / floor) / wrk(platform.url("/floor"))["rps"]))
        platform.start_floor(base_rows)

    def floor_at(nbytes):
        (b0, t0), (b1, t1) = (points[0], points[1]) if nbytes <= points[1][0] else (points[1], points[2])
        return 1.0 / max(t0 + (t1 - t0) * (nbytes - b0) / (b1 - b0), 1e-9)
    print("\n%s\n" % label)
    print("| page | bytes | requests/s | p50 ms | p99 ms | errors | floor beside it | vs floor | vs floor of its size | vs limit |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r, nbytes in results:
        near = beside[name]
        print("| %s | %d | %.0f | %.2f | %.2f | %d | %.0f | %.2f | %.2f | %.2f |" % (
            name, nbytes, r["rps"], r["p50"], r["p99"], r["errors"], near, r["rps"] / near,
            r["rps"] / (floor_at(nbytes) * near / floor), r["rps"] / limit))
    print("\nthe floor at other sizes (at the first floor's speed): " +
          ", ".join("%d bytes %.0f requests/s" % (b, 1.0 / t) for b, t in points))
    print("vs floor: against the floor measured just before the page; of its size: the floor at the"
          " page's bytes, scaled by the same drift")
    sys.stdout.flush()
    return {name: r for name, r, _ in results}, sum(r["requests"] for _, r, _ in results[2:])


def export_vs_sqlite(server, cookies):
    db = os.path.join(server.data, "holdpoint.db")
    rows = server.sql("SELECT count(*) FROM audit_log")[0][0]
    t = time.monotonic()
    sq = subprocess.run(["sqlite3", "-csv", db,
                         "SELECT a.seq, a.at, a.actor_id, a.actor_name, u.display_name, a.acting_for_id, f.username,"
                         " a.ip, a.session_hash, a.user_agent, a.request_id, a.action, a.object_type, a.object_id,"
                         " a.release_id, a.details_json, a.prev_hash, a.hash FROM audit_log a"
                         " LEFT JOIN users u ON u.id=a.actor_id AND a.actor_id>0"
                         " LEFT JOIN users f ON f.id=a.acting_for_id AND a.acting_for_id>0 ORDER BY a.seq"],
                        capture_output=True, check=True)
    sq_s, sq_bytes = time.monotonic() - t, len(sq.stdout)
    workers = server.pids()[1]
    before = rss_kb(workers)
    t = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                          "-H", "Cookie: " + cookies["erin"], server.url("/audit/export.csv")],
                         capture_output=True, text=True, check=True).stdout.split()
    hp_s = time.monotonic() - t
    after = rss_kb(workers)
    print("\naudit export of %d rows (CSV)\n" % rows)
    print("| exporter | status | seconds | MB | MB/s |")
    print("| --- | --- | ---: | ---: | ---: |")
    print("| sqlite3 -csv | - | %.2f | %.1f | %.1f |" % (sq_s, sq_bytes / 1e6, sq_bytes / 1e6 / sq_s))
    print("| Holdpoint /audit/export.csv | %s | %.2f | %.1f | %.1f |" % (
        out[0], hp_s, int(out[1]) / 1e6, int(out[1]) / 1e6 / hp_s))
    print("\nHoldpoint / sqlite3 speed: %.2fx" % ((int(out[1]) / hp_s) / (sq_bytes / sq_s)))
    print("worker RSS during the export, kB: " + ", ".join(
        "%d -> %d" % (before[p], after[p]) for p in sorted(before)))


BIG_UPLOAD_MB = int(os.environ.get("BENCH_UPLOAD_MB", "1024"))
MANY_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000000"))

BIG_TEMPLATE = """apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: big-evidence
phases:
  - name: qa
    activities:
      - name: signoff
        type: approval
        approvers: {rules: [{team: qa, min: 1}]}
        fields:
          - {key: log, label: Full log, type: file, accept: [text/plain], max_size: 2GB}
"""


def anon_kb(pids):
    return status_kb(pids, "RssAnon")


def hwm_kb(pids):
    return status_kb(pids, "VmHWM")


def memory():
    """A 1 GB evidence upload and a million requests: what the workers' memory does."""
    server = harness.Server(env={"HOLDPOINT_WORKERS": WORKERS, "HOLDPOINT_CLOCK_FILE": "",
                                 "HOLDPOINT_MAX_UPLOAD": str((BIG_UPLOAD_MB + 64) * 1024 * 1024),
                                 "HOLDPOINT_NGINX_MAX_BODY": "%dm" % (BIG_UPLOAD_MB + 64)}).start()
    tmp = tempfile.mkdtemp(prefix="holdpoint-bench-")
    try:
        path = os.path.join(tmp, "big.yaml")
        with open(path, "w") as f:
            f.write(BIG_TEMPLATE)
        server.cli("template", "import", path)
        bob = server.cli("token", "create", "--user", "bob", "--name", "bench").stdout.strip()
        api = server.client(token=server.demo_token())
        r = api.request("POST", "/api/v1/releases", json_body={"template": "big-evidence", "name": "big", "version": "1"})
        act = [a["id"] for p in r.json()["phases"] for a in p["activities"]][0]
        log = os.path.join(tmp, "full.log")
        line = b"2026-12-06T05:00:00Z INFO test suite step passed without errors\n"
        with open(log, "wb") as f:
            block = line * (1024 * 1024 // len(line) + 1)
            for _ in range(BIG_UPLOAD_MB):
                f.write(block[:1024 * 1024])
        workers = server.pids()[1]
        rss0, hwm0, anon0 = rss_kb(workers), hwm_kb(workers), anon_kb(workers)
        t = time.monotonic()
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + bob,
                              "-F", "field=log", "-F", "file=@%s;type=text/plain" % log,
                              server.url("/api/v1/activities/%d/evidence" % act)], capture_output=True, text=True).stdout
        secs = time.monotonic() - t
        rss1, hwm1, anon1 = rss_kb(workers), hwm_kb(workers), anon_kb(workers)
        os.unlink(log)
        print("\n%d MB evidence upload through nginx: HTTP %s in %.1f s (%.0f MB/s)" % (
            BIG_UPLOAD_MB, out, secs, BIG_UPLOAD_MB / secs))
        print("| process | RSS before, kB | RSS after, kB | own (anon) before | own after | peak before | peak after |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for p in sorted(workers):
            print("| %d | %d | %d | %d | %d | %d | %d |" % (p, rss0[p], rss1[p], anon0[p], anon1[p], hwm0[p], hwm1[p]))
        # a million requests (the health check reads the database; the cheapest full request)
        rss0, done, t = rss_kb(workers), 0, time.monotonic()
        while done < MANY_REQUESTS:
            done += wrk(server.url("/healthz"))["requests"]
        rss1 = rss_kb(workers)
        print("\n%d requests in %.0f s: worker RSS, kB: %s" % (
            done, time.monotonic() - t, ", ".join("%d -> %d" % (rss0[p], rss1[p]) for p in sorted(rss0))))
        sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        server.stop()


def main():
    if os.environ.get("BENCH_ONLY") == "memory":
        memory()
        return 0
    # No clock file: the tests' injectable clock reads a file on every call, production does not.
    server = harness.Server(env={"HOLDPOINT_WORKERS": WORKERS, "HOLDPOINT_CLOCK_FILE": ""}).start()
    platform = None
    try:
        seed(server, RELEASES, AUDIT_ROWS)
        cookies = {}
        for u in ("bob", "carol", "erin", "alice"):
            c = server.client()
            c.login(u)
            cookies[u] = "; ".join("%s=%s" % kv for kv in c.cookies.items())
        token = server.demo_token()
        first = pages(server, cookies, token)[0]
        platform = Platform(fetch(first[1], first[2]))
        platform.start_floor(60)
        workers = server.pids()[1]
        rss0 = rss_kb(workers)
        one, n1 = measure(server, platform, cookies, token,
                          "1x: %d releases, %d audit rows" % (RELEASES, AUDIT_ROWS))
        export_vs_sqlite(server, cookies)
        total = n1
        if GROWTH > 1:
            print()
            seed(server, RELEASES * (GROWTH - 1), AUDIT_ROWS * (GROWTH - 1))
            big, n2 = measure(server, platform, cookies, token,
                              "%dx: %d releases, %d audit rows" % (GROWTH, RELEASES * GROWTH, AUDIT_ROWS * GROWTH))
            total += n2
            print("\n%dx / 1x, requests/s (1.00 = flat):\n" % GROWTH)
            for name in one:
                key = name if name in big else next((k for k in big if k.split(",")[0] == name.split(",")[0]
                                                     and k not in one), None)
                if key:
                    print("  %-32s %.2f" % (name, big[key]["rps"] / one[name]["rps"]))
        rss1 = rss_kb(workers)
        print("\nworker RSS, kB, before -> after %d Holdpoint requests: %s" % (
            total, ", ".join("%d -> %d" % (rss0[p], rss1[p]) for p in sorted(rss0))))
        print("\n%s connections, %s s a page, %s workers; this machine: %d CPUs, %s" % (
            CONNECTIONS, DURATION, WORKERS, os.cpu_count(), platform_name()))
    finally:
        if platform:
            platform.stop()
        server.stop()
    memory()
    return 0


def platform_name():
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
        return m.group(1).strip() if m else "unknown CPU"
    except OSError:
        return "unknown CPU"


if __name__ == "__main__":
    import signal
    # a stopped bench still stops its servers: SIGTERM runs the finally blocks like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
