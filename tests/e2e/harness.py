"""harness.py — start Holdpoint (nginx + server) on a free loopback port with a
fresh data directory, and talk to it over real HTTP like a browser or a pipeline.

Every test module uses one Server per test class (setUpClass/tearDownClass);
stop() runs even when a test fails, and removes the data directory.
"""
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("HOLDPOINT_BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
HOLDPOINT = os.path.join(BUILD, "holdpoint")
HOLDCTL = os.path.join(BUILD, "holdctl")
PASSWORD = "holdpoint-demo"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(fn, timeout=20.0, interval=0.05, what="condition"):
    """Call fn until it returns a true value; fail after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


# ---------------------------------------------------------------- a minimal FastCGI client
# (for tests that must talk to the workers without nginx in between)

def fcgi_record(rtype, body, req_id=1):
    """One FastCGI record: version 1, type, request id, content, no padding."""
    return struct.pack(">BBHHBx", 1, rtype, req_id, len(body), 0) + body


def fcgi_params(params):
    """Name-value pairs in FastCGI's length-prefixed encoding."""
    out = b""
    for k, v in params.items():
        k, v = k.encode(), v.encode()
        for n in (len(k), len(v)):
            out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
        out += k + v
    return out


def fcgi_read_stdout(sock):
    """Read records until END_REQUEST; return the concatenated STDOUT bytes."""
    data, out = b"", b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("the worker closed the connection before END_REQUEST")
        data += chunk
        while len(data) >= 8:
            _, rtype, _, clen, plen = struct.unpack(">BBHHB", data[:7])
            if len(data) < 8 + clen + plen:
                break
            body, data = data[8:8 + clen], data[8 + clen + plen:]
            if rtype == 6:
                out += body
            elif rtype == 3:
                return out


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def csrf(self):
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', self.text)
        return m.group(1) if m else None


class Client:
    """A cookie-keeping HTTP client (one per simulated person)."""

    def __init__(self, server, token=None, tls=False):
        self.server = server
        self.cookies = {}
        self.token = token
        self.csrf = None
        self.tls = tls                  # HTTPS on the server's TLS_PORT (HOLDPOINT_TLS=1)

    def request(self, method, path, body=None, headers=None, form=None, json_body=None):
        hdrs = {"User-Agent": "holdpoint-e2e"}
        if self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.token:
            hdrs["Authorization"] = "Bearer " + self.token
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        if self.tls:
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE          # self-signed, made by localrun.sh
            conn = http.client.HTTPSConnection("127.0.0.1", int(self.server.env["TLS_PORT"]),
                                               context=ctx, timeout=60)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            r = Response(resp.status, resp.getheaders(), data)
        finally:
            conn.close()
        for v in r.header_all("Set-Cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        c = r.csrf()
        if c:
            self.csrf = c
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form=None, with_csrf=True, **kw):
        form = dict(form or {})
        if with_csrf and self.csrf and "csrf" not in form:
            form["csrf"] = self.csrf
        return self.request("POST", path, form=form, **kw)

    def login(self, username, password=PASSWORD, **extra):
        """Sign in through the form; extra fields go with it (tz: the zone a browser's script sends)."""
        self.get("/login")
        form = {"username": username, "password": password, "next": "/"}
        form.update(extra)
        r = self.post("/login", form)
        if r.status != 303:
            raise AssertionError("sign-in as %s failed: %d %s" % (username, r.status, r.text[:300]))
        self.get("/")           # picks up the session's CSRF token
        return r


def children_of(parent):
    """{pid: name} of parent's living children (zombies left out). A process that ends while
    /proc is read is simply not counted."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                head, rest = f.read().rsplit(")", 1)
            fields = rest.split()
            if int(fields[1]) == parent and fields[0] != "Z":
                kids[int(p)] = head.split("(", 1)[1]
        except (OSError, IndexError, ValueError):
            pass
    return kids


class Server:
    """nginx + holdpoint serve for one fresh data directory, on a free port."""

    def __init__(self, env=None, seed=True):
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="holdpoint-e2e-")
        os.chmod(self.data, 0o755)
        self.env = dict(os.environ)
        self.env.update({
            "PORT": str(self.port), "TLS_PORT": str(free_port()),
            "HOLDPOINT_DATA": self.data, "HOLDPOINT_BUILD": BUILD, "HOLDPOINT_QUIET": "1",
            "HOLDPOINT_WORKERS": "2", "HOLDPOINT_SEED": "1" if seed else "0",
            "HOLDPOINT_CLOCK_FILE": os.path.join(self.data, "clock-offset-ms"),
            "HOLDPOINT_RUN_STATE": os.path.join(self.data, "runs"),   # not the checkout's `make stop` list
        })
        self.env.update(env or {})
        self.started = False
        self.pg_db = None
        base = os.environ.get("HOLDPOINT_TEST_POSTGRES_URL")
        if base and "HOLDPOINT_DATABASE" not in self.env:          # make check-postgres
            self.pg_db = "hp_%d_%d" % (os.getpid(), self.port)
            pg_admin(base, "CREATE DATABASE %s" % self.pg_db)
            self.env["HOLDPOINT_DATABASE"] = base + self.pg_db

    def start(self):
        r = subprocess.run([os.path.join(ROOT, "nginx", "localrun.sh"), "start"], env=self.env,
                           capture_output=True, text=True, errors="replace", timeout=120)
        if r.returncode != 0:
            log = self.read_log()
            self.stop()
            raise RuntimeError("server did not start:\n%s\n%s\n%s" % (r.stdout, r.stderr, log[-3000:]))
        self.started = True
        return self

    def stop(self):
        """Stop nginx and the server; fail if the server's log holds a sanitizer report."""
        report = None
        if os.path.isdir(self.data):
            subprocess.run([os.path.join(ROOT, "nginx", "localrun.sh"), "stop"], env=self.env,
                           capture_output=True, text=True, errors="replace", timeout=120)
            log = self.read_log()
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in log:
                    at = log.index(marker)
                    report = log[max(0, at - 200):at + 3000]
                    break
            if os.environ.get("HOLDPOINT_KEEP_DATA") != "1":
                shutil.rmtree(self.data, ignore_errors=True)
        if self.pg_db:
            pg_admin(os.environ["HOLDPOINT_TEST_POSTGRES_URL"], "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_db)
            self.pg_db = None
        self.started = False
        if report:
            raise AssertionError("the server reported a memory or undefined-behaviour error:\n" + report)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def client(self, token=None, tls=False):
        return Client(self, token=token, tls=tls)

    def cli(self, *args, stdin=None, check=True):
        """Run build/holdpoint with this server's data directory."""
        r = subprocess.run([HOLDPOINT] + list(args), env=self.env, input=stdin,
                           capture_output=True, text=True, errors="replace", timeout=120)
        if check and r.returncode != 0:
            raise AssertionError("holdpoint %s failed (%d): %s %s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def holdctl(self, *args, token=None, check=False, timeout=120):
        env = dict(self.env)
        env["HOLDPOINT_URL"] = self.url("").rstrip("/")
        env["HOLDPOINT_TOKEN"] = token or self.demo_token()
        return subprocess.run([HOLDCTL] + list(args), env=env, capture_output=True, text=True, timeout=timeout)

    def demo_token(self):
        with open(os.path.join(self.data, "demo-token")) as f:
            return f.read().strip()

    def sql(self, query, *params):
        """Read the database directly (sqlite3 module, or psycopg2 under make check-postgres)."""
        if self.env.get("HOLDPOINT_DATABASE"):
            return pg_query(self.env["HOLDPOINT_DATABASE"], query, params)
        import sqlite3
        con = sqlite3.connect(os.path.join(self.data, "holdpoint.db"), timeout=10)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def sql_dicts(self, query, *params):
        """Rows as dicts (column name -> value)."""
        if self.env.get("HOLDPOINT_DATABASE"):
            return pg_query(self.env["HOLDPOINT_DATABASE"], query, params, dicts=True)
        import sqlite3
        con = sqlite3.connect(os.path.join(self.data, "holdpoint.db"), timeout=10)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute(query, params)]
        finally:
            con.close()

    def execute(self, query, params=(), many=None, script=False):
        """Change the database directly (as a stand-in or an attacker would): one statement with
        params, the same one for each tuple in many, or a script of several.  Raises on an error."""
        if self.env.get("HOLDPOINT_DATABASE"):
            import psycopg2
            con = psycopg2.connect(self.env["HOLDPOINT_DATABASE"])
            try:
                cur = con.cursor()
                if script:
                    cur.execute(_pg_text(query, False))
                elif many is not None:
                    cur.executemany(_pg_text(query), many)
                else:
                    cur.execute(_pg_text(query), params)
                con.commit()
            finally:
                con.close()
            return
        import sqlite3
        con = sqlite3.connect(os.path.join(self.data, "holdpoint.db"), timeout=10)
        try:
            with con:
                if script:
                    con.executescript(query)
                elif many is not None:
                    con.executemany(query, many)
                else:
                    con.execute(query, params)
        finally:
            con.close()

    def advance_clock(self, seconds):
        """Move the server's clock forward (tests never sleep for timeouts)."""
        path = self.env["HOLDPOINT_CLOCK_FILE"]
        cur = 0
        if os.path.exists(path):
            with open(path) as f:
                cur = int(f.read().strip() or 0)
        with open(path + ".tmp", "w") as f:
            f.write(str(cur + int(seconds * 1000)))
        os.replace(path + ".tmp", path)

    def read_log(self):
        try:
            with open(os.path.join(self.data, "log", "holdpoint.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def children(self):
        """(master pid, {pid: name}) of the server's living children: holdpoint-w1.. are the
        request workers, holdpoint-jobs the job runner. A child that died and is not yet
        reaped (a zombie) is not counted."""
        with open(os.path.join(self.data, "run", "holdpoint.pid")) as f:
            master = int(f.read().strip())
        return master, children_of(master)

    def pids(self):
        """(master pid, [living child pids]) of the running server."""
        master, kids = self.children()
        return master, sorted(kids)

    def worker_pids(self):
        """The request workers' pids (not the job runner)."""
        return sorted(p for p, name in self.children()[1].items() if name.startswith("holdpoint-w"))

    def all_children_up(self):
        """True when every request worker and the job runner are running."""
        names = sorted(self.children()[1].values())
        n = int(self.env["HOLDPOINT_WORKERS"])
        return names == sorted(["holdpoint-jobs"] + ["holdpoint-w%d" % i for i in range(1, n + 1)])


def on_postgres():
    """1 when this run stores in PostgreSQL (make check-postgres)."""
    return bool(os.environ.get("HOLDPOINT_TEST_POSTGRES_URL"))


def sqlite_only(why):
    """Skip a test or class that looks at the SQLite file itself, when the store is PostgreSQL."""
    return unittest.skipIf(on_postgres(), "SQLite only: " + why)


def pg_admin(base, sql):
    import psycopg2
    con = psycopg2.connect(base + "postgres")
    con.autocommit = True
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


_PG_FUNCS = (("json_extract(", "hp_json_extract("), ("json_each(", "hp_json_each("), ("json_valid(", "hp_json_valid("))


def _pg_text(query, params=True):
    """A test's SQLite-flavoured SQL for PostgreSQL: ? becomes %s, json_* the hp_json_* twins."""
    q = query.replace("%", "%%").replace("?", "%s") if params else query
    for a, b in _PG_FUNCS:
        q = q.replace(a, b)
    return q


def pg_query(url, query, params, dicts=False):
    """Rows of a query on PostgreSQL; booleans come back as 0/1 as SQLite gives them."""
    import psycopg2
    con = psycopg2.connect(url)
    con.autocommit = True
    try:
        cur = con.cursor()
        cur.execute(_pg_text(query), params)
        rows = cur.fetchall() if cur.description else []
        rows = [tuple(int(v) if isinstance(v, bool) else v for v in r) for r in rows]
        if dicts:
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in rows]
        return rows
    finally:
        con.close()


class ServerTestCase(unittest.TestCase):
    """Base class: one fresh server for the whole class."""
    server_env = None
    seed = True

    @classmethod
    def setUpClass(cls):
        cls.server = Server(env=cls.server_env, seed=cls.seed).start()
        # stopped even when a subclass's setUpClass fails after this (tearDownClass then does not run)
        cls.addClassCleanup(cls.server.stop)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, token=None):
        return self.server.client(token=token)

    def login(self, username):
        c = self.client()
        c.login(username)
        return c
