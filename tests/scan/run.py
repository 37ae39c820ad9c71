#!/usr/bin/env python3
"""run.py — `make scan`: Debian's sqlmap and wapiti against a seeded Holdpoint, signed in.

Starts nginx + Holdpoint on a free loopback port with a fresh data directory and the demo
data, signs in as the administrator (who may open every page), then

- sqlmap tests every query parameter of the pages and API calls that take one;
- wapiti crawls the site as that person and attacks what it finds (SQL and blind SQL
  injection, XSS, stored XSS, command execution, file disclosure, CRLF, open redirects, SSRF),
  (every form of Holdpoint carries a CSRF token, so an attack on a form that could sign the
  scanner out or disable someone changes only that token and is refused).  Not its SSRF module:
  that one needs a server on the internet.

Prints each tool's findings and exits 1 if either reports one (or wapiti sees a 500).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402

SCAN_SECONDS = int(os.environ.get("SCAN_SECONDS", "600"))


def main():
    out = tempfile.mkdtemp(prefix="holdpoint-scan-")
    server = harness.Server().start()
    findings = 0
    try:
        admin = server.client()
        admin.login("admin")
        cookie = "hp_session=" + admin.cookies["hp_session"]
        token = server.demo_token()
        base = server.url("").rstrip("/")
        rel = server.sql("SELECT max(id) FROM releases")[0][0]

        # ---------------------------------------------------------------- sqlmap
        pages = ["/?after=1.1.1", "/releases?older=%d" % rel, "/releases?newer=1",
                 "/audit?action=auth.login&actor=alice&ip=127.0.0.1&from=2026-01-01&to=2030-01-01",
                 "/notifications?page=1", "/admin/users?page=1"]
        act = server.sql("SELECT max(id) FROM activities")[0][0]
        pages.append("/me?time_zone=UTC")
        api = ["/api/v1/approvals?limit=5&after=1.1.1", "/api/v1/releases?page=1&status=running",
               "/api/v1/releases?older=%d&status=on_hold" % rel, "/api/v1/activities/%d" % act]
        for urls, header in ((pages, "Cookie: " + cookie), (api, "Authorization: Bearer " + token)):
            path = os.path.join(out, "urls-%d.txt" % len(urls))
            with open(path, "w") as f:
                f.write("\n".join(base + u for u in urls) + "\n")
            r = subprocess.run(["sqlmap", "-m", path, "--batch", "--level=2", "--risk=1", "--headers", header,
                                "--output-dir", os.path.join(out, "sqlmap"), "--disable-coloring"],
                               capture_output=True, text=True, timeout=SCAN_SECONDS)
            hits = [l for l in r.stdout.splitlines() if "identified the following injection point" in l
                    or "is vulnerable" in l]
            print("sqlmap (%s): %d URL(s), %d finding(s)" % (header.split(":")[0], len(urls), len(hits)))
            for l in hits:
                print("  " + l)
            findings += len(hits)

        # ---------------------------------------------------------------- wapiti
        report = os.path.join(out, "wapiti.json")
        cmd = ["wapiti", "-u", base + "/", "-H", "Cookie: " + cookie, "--scope", "folder", "-d", "3",
               "--max-links-per-page", "40", "--max-scan-time", str(SCAN_SECONDS), "--max-attack-time", "60",
               "-m", "sql,blindsql,xss,permanentxss,exec,file,crlf,redirect",
               "--flush-session", "--store-session", os.path.join(out, "wapiti-session"),
               "-f", "json", "-o", report]
        w = subprocess.run(cmd, capture_output=True, text=True, timeout=SCAN_SECONDS + 300)
        if not os.path.exists(report):
            print(w.stdout[-3000:], w.stderr[-3000:])
            raise SystemExit("wapiti wrote no report")
        with open(report) as f:
            rep = json.load(f)
        vulns = {k: v for k, v in rep.get("vulnerabilities", {}).items() if v}
        errors = rep.get("anomalies", {}).get("Internal Server Error", [])
        import re
        m = re.search(r"Wapiti found (\d+) URLs and forms", w.stdout)
        crawled = int(m.group(1)) if m else 0
        print("wapiti: %d URLs and forms found, %d finding(s), %d internal error(s)"
              % (crawled, sum(len(v) for v in vulns.values()), len(errors)))
        if crawled < 20:                     # a scan that saw only the sign-in page proves nothing
            print("  too few pages: the scanner was not signed in or could not crawl")
            findings += 1
        for k, v in vulns.items():
            for item in v:
                print("  %s: %s %s %s" % (k, item.get("method"), item.get("path"), item.get("parameter")))
        for item in errors:
            print("  500: %s %s %s" % (item.get("method"), item.get("path"), item.get("parameter")))
        findings += sum(len(v) for v in vulns.values()) + len(errors)
    finally:
        server.stop()
        if os.environ.get("HOLDPOINT_KEEP_DATA") != "1":
            shutil.rmtree(out, ignore_errors=True)
    print("scan: %d finding(s)" % findings)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
