"""test_platform.py — the serving platform through the real stack (nginx → FastCGI → SQLite)."""
import os
import re
import signal
import socket
import stat
import struct
import subprocess
import unittest

import harness
from harness import ServerTestCase, poll

SECURITY_HEADERS = ("X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy")


def parse_csp(value):
    """Split a CSP into {directive: [sources]}; raise if it is malformed."""
    out = {}
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        tokens = part.split()
        name = tokens[0].lower()
        if not re.fullmatch(r"[a-z-]+", name) or name in out:
            raise ValueError("bad or repeated directive " + name)
        for src in tokens[1:]:
            if not re.fullmatch(r"'[a-z-]+'|[a-z]+:?|\*|https?://[^\s;,]+", src):
                raise ValueError("bad source " + src)
        out[name] = tokens[1:]
    return out


class PlatformTest(ServerTestCase):
    def test_healthz(self):
        r = self.client().get("/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.text, "ok")
        self.assertIn("charset=utf-8", r.header("Content-Type"))

    def test_signin_page_served(self):
        r = self.client().get("/login")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Sign in to Holdpoint</h1>", r.text)
        self.assertIn('<label for="username">Username</label>', r.text)

    def test_home_redirects_to_signin(self):
        r = self.client().get("/")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/login")

    def test_security_headers_on_pages_errors_and_static(self):
        c = self.client()
        for path in ("/login", "/healthz", "/no/such/page", "/static/css/holdpoint.css"):
            r = c.get(path)
            for h in SECURITY_HEADERS:
                self.assertIsNotNone(r.header(h), "%s lacks %s" % (path, h))
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
            csp = parse_csp(r.header("Content-Security-Policy"))
            self.assertEqual(csp["frame-ancestors"], ["'none'"], path)
            self.assertEqual(csp["default-src"], ["'self'"], path)
            self.assertEqual(csp["object-src"], ["'none'"], path)
            self.assertEqual(csp["base-uri"], ["'none'"], path)
            self.assertEqual(csp["form-action"], ["'self'"], path)
            self.assertNotRegex(r.header("Server") or "", r"\d", "version banner on " + path)
            self.assertEqual(len(r.header_all("Content-Security-Policy")), 1, path)

    def test_static_files_have_cache_headers(self):
        r = self.client().get("/static/css/holdpoint.css")
        self.assertEqual(r.status, 200)
        self.assertIn("max-age", r.header("Cache-Control"))
        self.assertIn("text/css", r.header("Content-Type"))

    def test_404_page(self):
        r = self.client().get("/no/such/page")
        self.assertEqual(r.status, 404)
        self.assertIn("text/html", r.header("Content-Type"))
        self.assertIn("Not found", r.text)
        self.assertIn("Error 404", r.text)

    def test_405_page(self):
        r = self.client().request("DELETE", "/login")
        self.assertEqual(r.status, 405)
        self.assertIn("Error 405", r.text)
        self.assertIsNotNone(r.header("Allow"))

    def test_400_malformed_query(self):
        r = self.client().get("/login?next=%zz")
        self.assertEqual(r.status, 400)
        self.assertIn("Error 400", r.text)
        self.assertIn("malformed query", r.text)

    def test_400_bad_parameter_name(self):
        r = self.client().request("POST", "/login", body=b"user%3Cname=x&password=y",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)

    def test_400_too_many_parameters(self):
        body = "&".join("p%d=1" % i for i in range(300)).encode()
        r = self.client().request("POST", "/login", body=body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.assertIn("too many fields", r.text)

    def test_403_foreign_origin(self):
        r = self.client().request("POST", "/login", body=b"username=carol&password=holdpoint-demo",
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertIn("Error 403", r.text)
        self.assertIsNone(r.header("Set-Cookie"))

    def test_same_origin_browser_post_accepted(self):
        """A browser sends Origin with the port; nginx must pass host:port for the check."""
        origin = "http://127.0.0.1:%d" % self.server.port
        r = self.client().request("POST", "/login", body=b"username=carol&password=holdpoint-demo",
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Origin": origin, "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(r.status, 303, r.text[:500])
        r = self.client().request("POST", "/login", body=b"username=carol&password=holdpoint-demo",
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(r.status, 403)
        r = self.client().request("POST", "/login", body=b"username=carol&password=holdpoint-demo",
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)

    def test_refusals_arrive_whole_whatever_was_left_unread(self):
        """A worker closes its connection at once only when nothing nginx sent is left unread;
        answers given without reading a body (small, or larger than the 64 KB read before closing)
        arrive whole, and nginx logs no reset or cut connection."""
        for size in (0, 30 * 1024, 200 * 1024):
            body = b'{"template": "' + b"a" * size + b'"}'
            for _ in range(3):                          # refused before the body is read
                r = self.client().request("POST", "/api/v1/releases", body=body,
                                          headers={"Content-Type": "application/json",
                                                   "Authorization": "Bearer hp_" + "0" * 64})
                self.assertEqual(r.status, 401, size)
                self.assertEqual(r.json()["error"]["code"], "unauthorized", size)
            self.assertEqual(self.client().get("/healthz").status, 200)
        with open(os.path.join(self.server.data, "log", "nginx-error.log")) as f:
            errors = [l for l in f.read().splitlines()
                      if "upstream" in l or "reset" in l or "prematurely" in l or "broken pipe" in l.lower()]
        self.assertEqual(errors, [])

    def test_415_wrong_content_type(self):
        r = self.client().request("POST", "/login", body=b"username=x",
                                  headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415)
        self.assertIn("Error 415", r.text)

    def test_422_missing_fields_keeps_input(self):
        r = self.client().post("/login", {"username": "someone", "password": ""})
        self.assertEqual(r.status, 422)
        self.assertIn('value="someone"', r.text)
        self.assertIn("This field is required.", r.text)

    def test_413_app_limit_on_form_body(self):
        body = b"username=" + b"a" * (1024 * 1024 + 10)
        r = self.client().request("POST", "/login", body=body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 413)
        self.assertIn("Error 413", r.text)

    def test_access_log_line(self):
        c = self.client()
        c.get("/login?probe=accesslog")
        log = poll(lambda: "GET /login 200" in self.server.read_log() and self.server.read_log(),
                   what="access log line")
        line = [l for l in log.splitlines() if "GET /login 200" in l][-1]
        self.assertRegex(line, r"[0-9a-f]{32} GET /login 200 \d+us -")

    def test_access_log_neutralises_control_characters(self):
        self.client().get("/x%0d%0aFAKE%20LINE")
        log = poll(lambda: "FAKE" in self.server.read_log() and self.server.read_log(), what="log")
        self.assertFalse(any(l.startswith("FAKE") for l in log.splitlines()))
        self.assertIn("\\x0d\\x0aFAKE", log)

    def test_socket_not_world_accessible(self):
        st = os.stat(os.path.join(self.server.data, "run", "holdpoint.sock"))
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_mode & 0o007, 0)

    def test_migrations_recorded(self):
        rows = self.server.sql("SELECT version FROM schema_migrations ORDER BY version")
        self.assertGreaterEqual(len(rows), 1)
        if harness.on_postgres():                 # one file for the schema up to 016, then one per change
            files = sorted(int(f.split("_")[0]) for f in os.listdir(os.path.join(harness.ROOT, "sql", "postgres"))
                           if f.endswith(".sql"))
            self.assertEqual(files[0], 16)
            self.assertEqual([r[0] for r in rows], files)
            return
        self.assertEqual(rows[0][0], 1)
        self.assertEqual(self.server.sql("PRAGMA journal_mode")[0][0], "wal")

    def test_demo_users_exist(self):
        names = {r[0] for r in self.server.sql("SELECT username FROM users")}
        self.assertTrue({"admin", "alice", "bob", "carol", "dave", "erin"} <= names)


METRIC_LINE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"\\\n]*",?)*\})? -?[0-9.]+(e[+-]?[0-9]+)?$')


def metrics(text):
    """Parse Prometheus text: {(name, frozenset(labels)): value}; every line must be well formed."""
    out = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        assert METRIC_LINE.match(line), "not a metric line: %r" % line
        head, value = line.rsplit(" ", 1)
        name, _, labels = head.partition("{")
        pairs = frozenset(re.findall(r'([a-z_]+)="([^"]*)"', labels))
        out[(name, pairs)] = float(value)
    return out


class MetricsTest(ServerTestCase):
    """/metrics for Prometheus: requests by route, what waits and for how long, decisions, the outbox,
    the job runner, restarts; only for allowed addresses or a token."""

    TOKEN = "metrics-token-0123456789abcdef"

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tokdir = tempfile.mkdtemp(prefix="holdpoint-e2e-metrics-")
        with open(os.path.join(cls.tokdir, "token"), "w") as f:
            f.write(cls.TOKEN + "\n")
        cls.server_env = {"HOLDPOINT_METRICS_TOKEN_FILE": os.path.join(cls.tokdir, "token")}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        import shutil
        super().tearDownClass()
        shutil.rmtree(cls.tokdir, ignore_errors=True)

    def scrape(self, **headers):
        r = self.client().request("GET", "/metrics", headers=headers)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertTrue(r.header("Content-Type").startswith("text/plain; version=0.0.4"))
        return metrics(r.text)

    def test_01_requests_waiting_decisions_and_the_job_runner(self):
        key = ("holdpoint_http_request_duration_seconds_count",
               frozenset({("route", "/login"), ("method", "GET"), ("status", "2xx")}))
        before = self.scrape().get(key, 0)
        c = self.client()
        for _ in range(5):
            self.assertEqual(c.get("/login").status, 200)
        m = self.scrape()
        self.assertEqual(m[key] - before, 5)
        inf = ("holdpoint_http_request_duration_seconds_bucket",
               frozenset({("route", "/login"), ("method", "GET"), ("status", "2xx"), ("le", "+Inf")}))
        self.assertEqual(m[inf], m[key])
        # what waits is what the database says
        waiting = self.server.sql("SELECT count(*) FROM activities WHERE status='on_hold' AND kind='approval'")[0][0]
        self.assertGreater(waiting, 0)
        self.assertEqual(m[("holdpoint_waiting_activities", frozenset({("kind", "approval"), ("waited_le", "+Inf")}))], waiting)
        self.assertGreater(m[("holdpoint_oldest_wait_seconds", frozenset({("kind", "approval")}))], 0)
        approvals = self.server.sql("SELECT count(*) FROM decisions WHERE decision='approve'")[0][0]
        self.assertEqual(m[("holdpoint_decisions_total", frozenset({("decision", "approve")}))], approvals)
        self.assertIn(("holdpoint_sqlite_busy_waits_total", frozenset()), m)
        # the job runner ticks every second
        poll(lambda: 0 <= self.scrape()[("holdpoint_job_runner_lag_seconds", frozenset())] < 5, what="a job runner tick")

    def test_04_the_alert_rules_and_dashboard_name_metrics_that_exist(self):
        import json
        r = self.client().request("GET", "/metrics")
        names = {n for n, _ in metrics(r.text)} | set(re.findall(r"^# TYPE ([a-z_]+) ", r.text, re.M))
        base = {n.rsplit("_bucket", 1)[0].rsplit("_count", 1)[0].rsplit("_sum", 1)[0] for n in names}
        docs = os.path.join(harness.ROOT, "docs", "monitoring")
        with open(os.path.join(docs, "alerts.yml")) as f:
            rules = f.read()
        with open(os.path.join(docs, "grafana-dashboard.json")) as f:
            dash = json.load(f)
        exprs = rules + json.dumps([t["expr"] for p in dash["panels"] for t in p["targets"]])
        used = set(re.findall(r"holdpoint_[a-z_]+", exprs))
        self.assertGreater(len(used), 6)
        for n in used:
            self.assertTrue(n in names or n in base, "%s is used in docs/monitoring but /metrics has no such metric" % n)

    def test_02_a_killed_worker_is_counted(self):
        key = ("holdpoint_process_restarts_total", frozenset({("kind", "worker")}))
        before = self.scrape()[key]
        os.kill(self.server.worker_pids()[0], signal.SIGKILL)
        poll(lambda: self.scrape()[key] == before + 1, what="the restart counted")

    def test_03_only_for_allowed_addresses_or_the_token(self):
        # 127.0.0.1 is allowed by default; another server that allows only 10.0.0.0/8 refuses it
        other = harness.Server(env={"HOLDPOINT_METRICS_ALLOW": "10.0.0.0/8",
                                    "HOLDPOINT_METRICS_TOKEN_FILE": os.path.join(self.tokdir, "token")}, seed=False).start()
        try:
            c = other.client()
            r = c.request("GET", "/metrics")
            self.assertEqual(r.status, 403)
            self.assertIn("HOLDPOINT_METRICS_ALLOW", r.text)
            self.assertEqual(c.request("GET", "/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status, 403)
            r = c.request("GET", "/metrics", headers={"Authorization": "Bearer " + self.TOKEN})
            self.assertEqual(r.status, 200)
            metrics(r.text)
        finally:
            other.stop()


class DoctorTest(ServerTestCase):
    """holdpoint doctor: a healthy installation passes; each broken thing fails with what to do."""

    def doctor(self):
        env = dict(self.server.env, HOLDPOINT_BASE_URL=self.server.url("").rstrip("/"))
        return subprocess.run([harness.HOLDPOINT, "doctor"], env=env, capture_output=True, text=True, timeout=120)

    def test_01_healthy_then_broken(self):
        r = self.doctor()
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("Holdpoint looks healthy", r.stdout)
        store = "PostgreSQL answers" if harness.on_postgres() else "database integrity"
        for line in (store, "schema version", "audit trail intact", "socket", "nginx answers"):
            self.assertRegex(r.stdout, r"(?m)^ok +.*%s" % line)
        key = os.path.join(self.server.data, "keys", "audit.key")
        os.chmod(key, 0o644)
        try:
            r = self.doctor()
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stdout, r"(?m)^FAIL +the audit key .* is readable by others .*chmod 600")
        finally:
            os.chmod(key, 0o600)
        self.assertEqual(self.doctor().returncode, 0)              # fixed: healthy again


class NginxBodyLimitTest(ServerTestCase):
    server_env = {"HOLDPOINT_NGINX_MAX_BODY": "64k"}
    seed = False

    def test_413_from_nginx_uses_our_page(self):
        body = b"username=" + b"a" * (70 * 1024)
        r = self.client().request("POST", "/login", body=body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 413)
        self.assertIn("Too large", r.text)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")


class TlsTest(ServerTestCase):
    """HOLDPOINT_TLS=1: HTTPS with a self-signed certificate, HSTS, and __Host- Secure cookies."""
    server_env = {"HOLDPOINT_TLS": "1"}

    def https(self, method, path, body=None, headers=None):
        import http.client
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE          # self-signed, made by localrun.sh
        conn = http.client.HTTPSConnection("127.0.0.1", int(self.server.env["TLS_PORT"]), context=ctx, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def test_https_serves_with_hsts_and_secure_cookie(self):
        status, headers, body = self.https("GET", "/healthz")
        self.assertEqual((status, body), (200, b"ok"))
        h = {k.lower(): v for k, v in headers}
        self.assertIn("max-age", h.get("strict-transport-security", ""))
        status, headers, body = self.https("POST", "/login", body=b"username=carol&password=holdpoint-demo",
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 303)
        cookie = [v for k, v in headers if k.lower() == "set-cookie" and "session" in v][0]
        self.assertTrue(cookie.startswith("__Host-hp_session="), cookie)
        self.assertIn("Secure", cookie)
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertTrue(os.path.exists(os.path.join(self.server.data, "tls", "cert.pem")))


class ProcessModelTest(unittest.TestCase):
    """Workers are respawned after kill -9, and stop leaves nothing behind."""

    def setUp(self):
        self.server = harness.Server(seed=False).start()

    def tearDown(self):
        self.server.stop()

    def test_kill_worker_then_requests_still_answered(self):
        master, kids = self.server.pids()
        self.assertGreaterEqual(len(kids), 3)          # 2 workers + job runner
        self.assertTrue(self.server.all_children_up(), self.server.children())
        victim = self.server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        poll(lambda: victim not in self.server.pids()[1] and self.server.all_children_up(), what="respawn")
        c = self.server.client()
        statuses = [c.get("/healthz").status for _ in range(30)]
        self.assertEqual(statuses, [200] * 30)
        self.assertIn("killed by signal 9", self.server.read_log())

    def test_stop_leaves_no_process(self):
        master, kids = self.server.pids()
        with open(os.path.join(self.server.data, "run", "nginx.pid")) as f:
            nginx = int(f.read())
        subprocess.run([os.path.join(harness.ROOT, "nginx", "localrun.sh"), "stop"],
                       env=self.server.env, check=True, capture_output=True)
        for pid in [master, nginx] + kids:
            self.assertFalse(os.path.exists("/proc/%d" % pid) and
                             open("/proc/%d/stat" % pid).read().split()[2] != "Z",
                             "process %d still running" % pid)
        self.assertFalse(os.path.exists(os.path.join(self.server.data, "run", "holdpoint.sock")))

    def test_make_stop_finds_what_make_run_started(self):
        """`stop` without the same data directory stops what `start` started, or says nothing ran;
        a private data directory (mktemp -d) does not make nginx's workers run as root."""
        import shutil
        import tempfile
        localrun = os.path.join(harness.ROOT, "nginx", "localrun.sh")
        data = tempfile.mkdtemp(prefix="holdpoint-e2e-")          # 0700, as mktemp -d makes it
        state = os.path.join(tempfile.mkdtemp(prefix="holdpoint-e2e-state-"), "runs")
        env = dict(self.server.env, HOLDPOINT_DATA=data, PORT=str(harness.free_port()), TLS_PORT=str(harness.free_port()),
                   HOLDPOINT_SEED="0", HOLDPOINT_RUN_STATE=state, HOLDPOINT_QUIET="0")
        bare = {k: v for k, v in env.items() if k not in ("HOLDPOINT_DATA", "PORT", "TLS_PORT")}
        try:
            r = subprocess.run([localrun, "start"], env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("will run as root", r.stdout + r.stderr)
            with open(os.path.join(data, "run", "nginx.pid")) as f:
                master = int(f.read())
            if os.getuid() == 0:
                workers = sorted(harness.children_of(master))
                self.assertTrue(workers)
                for w in workers:
                    self.assertNotEqual(os.stat("/proc/%d" % w).st_uid, 0, "an nginx worker runs as root")
            r = subprocess.run([localrun, "stop"], env=bare, capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Holdpoint stopped (%s)" % data, r.stdout)
            self.assertFalse(os.path.exists("/proc/%d" % master) and open("/proc/%d/stat" % master).read().split()[2] != "Z")
            r = subprocess.run([localrun, "stop"], env=bare, capture_output=True, text=True, timeout=120)
            self.assertIn("Nothing was running", r.stdout)
        finally:
            subprocess.run([localrun, "stop"], env=env, capture_output=True, timeout=120)
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(os.path.dirname(state), ignore_errors=True)

    def test_sigterm_finishes_the_request_in_flight(self):
        """A request that is being read when SIGTERM comes is answered in full; then all stop."""
        master, kids = self.server.pids()
        fds = {k: len(os.listdir("/proc/%d/fd" % k)) for k in kids}
        body = b"username=carol&password=not-the-password"
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(os.path.join(self.server.data, "run", "holdpoint.sock"))
        try:
            conn.sendall(harness.fcgi_record(1, struct.pack(">HB5x", 1, 0)) +
                         harness.fcgi_record(4, harness.fcgi_params({
                             "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/login", "REQUEST_URI": "/login",
                             "QUERY_STRING": "", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                             "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
                             "HTTP_HOST": "127.0.0.1"})) +
                         harness.fcgi_record(4, b"") + harness.fcgi_record(5, body[:10]))
            # wait until a worker has accepted the connection (one more open descriptor) ...
            poll(lambda: any(os.path.exists("/proc/%d" % k) and len(os.listdir("/proc/%d/fd" % k)) > n
                             for k, n in fds.items()), what="a worker to accept")
            os.kill(master, signal.SIGTERM)          # ... then stop the server mid-request
            conn.sendall(harness.fcgi_record(5, body[10:]) + harness.fcgi_record(5, b""))
            out = harness.fcgi_read_stdout(conn)
        finally:
            conn.close()
        self.assertTrue(out.startswith(b"Status: 401"), out[:200])
        self.assertIn(b"do not match", out)
        poll(lambda: not os.path.exists("/proc/%d" % master) or
             open("/proc/%d/stat" % master).read().split()[2] == "Z", what="the master to exit")
        for k in kids:
            self.assertFalse(os.path.exists("/proc/%d" % k) and open("/proc/%d/stat" % k).read().split()[2] != "Z")

    def test_restart_is_clean(self):
        first = self.server.pids()[0]
        self.server.start()
        second = self.server.pids()[0]
        self.assertNotEqual(first, second)
        self.assertFalse(os.path.exists("/proc/%d/cmdline" % first) and
                         b"holdpoint" in open("/proc/%d/cmdline" % first, "rb").read())
        self.assertEqual(self.server.client().get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
