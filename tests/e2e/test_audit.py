"""test_audit.py — the audit trail through the real stack: what is recorded (IP, session hash,
denials), that it cannot be changed unnoticed (triggers, chain, head), the auditor's pages,
the downloads (CSV, JSON Lines, PDF) and who may see them, and `holdpoint audit export`.

People (demo data): alice release manager, bob QA, carol SRE approver, dave product approver,
erin auditor, admin.  Releases are made through the JSON API with the demo token (alice).
"""
import csv
import datetime
import hashlib
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import harness
from harness import ServerTestCase, poll

HEAD_RE = re.compile(r"^(\d+):([0-9a-f]{64})$")
FORMULAS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
REPORT = b"all 412 tests passed\n"
EVIL_DISPLAY = '=HYPERLINK("http://evil.example/steal","click me")'


def multipart(fields, file_field, filename, data, ctype):
    boundary = "----holdpointaudit5e1c"
    parts = [("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode()
             for k, v in fields.items()]
    parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                  % (boundary, file_field, filename, ctype)).encode() + data + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def utc_ms(ms):
    """A time as the pages and the report print it: 2026-11-18 11:06:40.123."""
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (ms % 1000)


def main_html(resp):
    """The page's <main> element, so that the shared header never satisfies a check."""
    m = re.search(r"<main[^>]*>(.*)</main>", resp.text, re.S)
    assert m, "no <main> in the page"
    return m.group(1)


def page_seqs(resp):
    return [int(x) for x in re.findall(r'<tr id="seq-(\d+)"', resp.text)]


def link(resp, rel):
    """The href of the pager link with rel=..., HTML-unescaped."""
    m = re.search(r'<a href="([^"]+)" rel="%s"' % rel, resp.text)
    return html.unescape(m.group(1)) if m else None


class AuditCase(ServerTestCase):
    """Helpers shared by the suites: people signed in once, the API, releases and rows."""
    server_env = {"HOLDPOINT_LOGIN_MAX_FAILURES": "100"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.people = {}
        cls.api = cls.server.client(token=cls.server.demo_token())

    def as_(self, username):
        if username not in self.people:
            self.people[username] = self.login(username)
        return self.people[username]

    def rows(self, where, *params):
        """audit_log rows as dicts, oldest first."""
        return self.server.sql_dicts("SELECT * FROM audit_log WHERE %s ORDER BY seq" % where, *params)

    def write_sql(self, script):
        """Change the database directly (as an attacker or a stand-in would)."""
        self.server.execute(script, script=True)

    def failed_login(self, username, headers=None):
        c = self.client()
        c.get("/login")
        r = c.post("/login", {"username": username, "password": "wrong-password-1"}, headers=headers)
        self.assertEqual(r.status, 401, r.text[:300])

    def create_release(self, name, version="1.0.0"):
        """A delivery release through the API; the id."""
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "delivery", "name": name, "version": version,
            "artifact": "registry.example/%s:%s" % (name, version),
            "variables": {"image": "registry.example/%s" % name, "version": version}})
        self.assertEqual(r.status, 201, r.text[:500])
        j = r.json()
        rid = j.get("id") or (j.get("release") or {}).get("id")
        self.assertIsInstance(rid, int, r.text[:500])
        return rid

    def act(self, rid, name):
        rows = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name=?", rid, name)
        self.assertTrue(rows, "no activity %s in release %s" % (name, rid))
        return rows[0][0]

    def uid(self, username):
        return self.server.sql("SELECT id FROM users WHERE username=?", username)[0][0]

    def result(self, rid, name, result):
        r = self.api.request("POST", "/api/v1/activities/%d/result" % self.act(rid, name), json_body={"result": result})
        self.assertEqual(r.status, 200, r.text[:300])

    def decide(self, who, aid, password=None, comment="", acting_for=None):
        form = {"decision": "approve", "comment": comment}
        if password:
            form["password"] = password
        if acting_for:
            form["acting_for"] = str(self.uid(acting_for))
        r = self.as_(who).post("/activities/%d/decision" % aid, form)
        self.assertEqual(r.status, 303, r.text[:800])

    def drive_approvals(self, rid):
        """
        Take a delivery release through its approvals the way people do: CI reports, bob fills
        the QA sign-off (inputs and a report file) and approves, carol signs the production
        approval with her password, and admin signs it for dave, who delegated to him.
        """
        self.result(rid, "deploy-qa", "pass")
        qa = self.act(rid, "qa-signoff")
        bob = self.as_("bob")
        page = bob.get("/activities/%d" % qa).text                  # the form's names for the fields
        names = {k: re.search(r'name="(\w*%s)"' % k, page).group(1) for k in ("all_passed", "risk")}
        r = bob.post("/activities/%d/inputs" % qa, {names["all_passed"]: "on", names["risk"]: "medium"})
        self.assertEqual(r.status, 303, r.text[:500])
        body, ctype = multipart({"csrf": bob.csrf, "field": "report"}, "file", "report.txt", REPORT, "text/plain")
        r = bob.request("POST", "/activities/%d/evidence" % qa, body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 303, r.text[:500])
        self.decide("bob", qa, comment="All 412 tests pass.")
        self.result(rid, "evaluation", "warning")
        pa = self.act(rid, "production-approval")
        today = datetime.datetime.now(datetime.timezone.utc).date()
        r = self.as_("dave").post("/me/delegation", {"delegate": "admin", "starts": str(today - datetime.timedelta(days=1)),
                                                     "ends": str(today + datetime.timedelta(days=7))})
        self.assertEqual(r.status, 303, r.text[:500])
        self.decide("carol", pa, password=harness.PASSWORD, comment="Canary looks healthy.")
        self.decide("admin", pa, password=harness.PASSWORD, comment="For Dave while he is away.", acting_for="dave")
        self.assertEqual(self.server.sql("SELECT status FROM activities WHERE id=?", pa)[0][0], "completed")
        return pa


class AuditRecordsTest(AuditCase):
    """What the trail records, and that it refuses change."""

    def test_01_signin_success_records_ip_and_session_hash(self):
        c = self.client()
        c.login("carol")
        token = c.cookies["hp_session"]
        row = self.rows("action='auth.login' AND actor_name='carol'")[-1]
        self.assertEqual(row["ip"], "127.0.0.1")
        self.assertEqual(row["session_hash"], hashlib.sha256(token.encode()).hexdigest())
        self.assertEqual(row["user_agent"], "holdpoint-e2e")
        self.assertRegex(row["request_id"], r"^[0-9a-f]{32}$")
        self.assertEqual(row["actor_id"], self.uid("carol"))
        for r in self.rows("1=1"):
            self.assertNotIn(token, json.dumps(r), "the raw session token is in audit row %d" % r["seq"])
        # sign-out is recorded against the same session
        r = c.post("/logout", {})
        self.assertEqual(r.status, 303)
        out = self.rows("action='auth.logout' AND actor_name='carol'")[-1]
        self.assertEqual(out["session_hash"], row["session_hash"])
        self.assertEqual(out["ip"], "127.0.0.1")

    def test_02_signin_failure_recorded(self):
        self.failed_login("nobody-audit-02")
        rows = [r for r in self.rows("action='auth.login_failed'")
                if json.loads(r["details_json"]).get("username") == "nobody-audit-02"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["ip"], "127.0.0.1")
        self.assertFalse(rows[0]["actor_id"])
        self.assertEqual(rows[0]["session_hash"], "")

    def test_03_x_forwarded_for_is_not_trusted(self):
        self.failed_login("nobody-audit-03", headers={"X-Forwarded-For": "1.2.3.4", "X-Real-IP": "1.2.3.4"})
        rows = [r for r in self.rows("action='auth.login_failed'")
                if json.loads(r["details_json"]).get("username") == "nobody-audit-03"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["ip"], "127.0.0.1")
        self.assertNotIn("1.2.3.4", json.dumps(rows[0]))

    def test_04_denial_recorded(self):
        before = len(self.rows("action='access.denied'"))
        r = self.as_("carol").get("/admin/users")
        self.assertEqual(r.status, 403)
        rows = self.rows("action='access.denied'")
        self.assertEqual(len(rows), before + 1)
        d = json.loads(rows[-1]["details_json"])
        self.assertEqual(d["path"], "/admin/users")
        self.assertEqual(d["status"], 403)
        self.assertEqual(rows[-1]["actor_name"], "carol")
        self.assertEqual(rows[-1]["ip"], "127.0.0.1")
        self.assertEqual(len(rows[-1]["session_hash"]), 64)
        # a refused audit page is itself recorded
        r = self.as_("bob").get("/audit")
        self.assertEqual(r.status, 403)
        last = self.rows("action='access.denied'")[-1]
        self.assertEqual((last["actor_name"], json.loads(last["details_json"])["path"]), ("bob", "/audit"))

    def test_05_update_and_delete_refused_by_the_database(self):
        first = self.rows("seq=1")[0]
        count = len(self.rows("1=1"))
        for stmt in ("UPDATE audit_log SET action='x' WHERE seq=1", "DELETE FROM audit_log WHERE seq=1",
                     "DELETE FROM audit_log"):
            with self.assertRaises(Exception, msg=stmt) as refused:
                self.server.execute(stmt)
            self.assertIn("append-only", str(refused.exception))
        self.assertEqual(self.rows("seq=1")[0], first)
        self.assertGreaterEqual(len(self.rows("1=1")), count)

    def test_06_head_format_and_verify(self):
        r = self.server.cli("audit", "head")
        m = HEAD_RE.match(r.stdout.strip())
        self.assertIsNotNone(m, r.stdout)
        last = self.server.sql("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")[0]
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.assertLessEqual(int(m.group(1)), last[0])
        if int(m.group(1)) == last[0]:
            self.assertEqual(m.group(2), last[1])
        v = self.server.cli("audit", "verify")
        self.assertIn("intact", v.stdout)
        v = self.server.cli("audit", "verify", "--head", r.stdout.strip())
        self.assertEqual(v.returncode, 0)
        bad = self.server.cli("audit", "verify", "--head", "nonsense", check=False)
        self.assertNotEqual(bad.returncode, 0)


@harness.sqlite_only("edits a copy of the database file")
class TamperTest(unittest.TestCase):
    """`holdpoint audit verify` on copies of a real trail that were changed behind its back."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server().start()
        c = cls.server.client()
        c.login("carol")
        c.get("/me")
        cls.server.client().login("erin")
        cls.n = cls.server.sql("SELECT max(seq) FROM audit_log")[0][0]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        """A copy of the data directory (database by SQLite's backup, and the key) to tamper with."""
        self.dir = tempfile.mkdtemp(prefix="holdpoint-tamper-")
        os.makedirs(os.path.join(self.dir, "keys"))
        shutil.copy2(os.path.join(self.server.data, "keys", "audit.key"), os.path.join(self.dir, "keys"))
        src = sqlite3.connect(os.path.join(self.server.data, "holdpoint.db"))
        dst = sqlite3.connect(os.path.join(self.dir, "holdpoint.db"))
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        self.env = dict(self.server.env, HOLDPOINT_DATA=self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def holdpoint(self, *args):
        return subprocess.run([harness.HOLDPOINT] + list(args), env=self.env, capture_output=True,
                              text=True, timeout=120)

    def tamper(self, sql):
        script = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;\n" + sql
        r = subprocess.run(["sqlite3", "-cmd", ".timeout 10000", os.path.join(self.dir, "holdpoint.db")], input=script,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def assert_broken_at(self, seq, result):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("FAILED", result.stderr)
        self.assertRegex(result.stderr, r"\brow %d\b" % seq)

    def test_00_copy_is_intact(self):
        self.assertGreaterEqual(self.n, 20)
        r = self.holdpoint("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("intact: %d rows" % self.n, r.stdout)

    def test_01_edited_row(self):
        k = self.n // 2
        self.tamper("UPDATE audit_log SET details_json='{\"forged\":true}' WHERE seq=%d;" % k)
        r = self.holdpoint("audit", "verify")
        self.assert_broken_at(k, r)
        self.assertIn("altered", r.stderr)

    def test_02_edited_row_with_recomputed_plain_hash(self):
        """Changing a row and its hash to a plain SHA-256 (no key) still breaks the chain."""
        k = self.n // 2
        self.tamper("UPDATE audit_log SET ip='203.0.113.9', hash='%s' WHERE seq=%d;"
                    % (hashlib.sha256(b"forged").hexdigest(), k))
        self.assert_broken_at(k, self.holdpoint("audit", "verify"))

    def test_03_deleted_middle_row(self):
        k = self.n // 2
        self.tamper("DELETE FROM audit_log WHERE seq=%d;" % k)
        r = self.holdpoint("audit", "verify")
        self.assert_broken_at(k, r)
        self.assertIn("missing", r.stderr)

    def test_04_swapped_rows(self):
        k = self.n // 2
        cols = ("at,actor_id,actor_name,acting_for_id,ip,session_hash,user_agent,request_id,action,"
                "object_type,object_id,release_id,details_json,prev_hash,hash")
        self.tamper("""
          CREATE TEMP TABLE pair AS SELECT * FROM audit_log WHERE seq IN (%(a)d, %(b)d);
          UPDATE audit_log SET (%(cols)s) = (SELECT %(cols)s FROM pair
              WHERE pair.seq = CASE audit_log.seq WHEN %(a)d THEN %(b)d ELSE %(a)d END)
           WHERE seq IN (%(a)d, %(b)d);
        """ % {"a": k, "b": k + 1, "cols": cols})
        self.assertNotEqual(self.holdpoint("audit", "head").stdout, "")
        self.assert_broken_at(k, self.holdpoint("audit", "verify"))

    def test_05_truncation_needs_the_head(self):
        head = self.holdpoint("audit", "head").stdout.strip()
        self.assertRegex(head, HEAD_RE)
        self.assertEqual(int(head.split(":")[0]), self.n)
        self.tamper("DELETE FROM audit_log WHERE seq > %d;" % (self.n - 3))
        plain = self.holdpoint("audit", "verify")
        self.assertEqual(plain.returncode, 0, plain.stderr)      # a shorter chain is still a chain
        r = self.holdpoint("audit", "verify", "--head", head)
        self.assertEqual(r.returncode, 1)
        self.assertIn("row %d is missing" % self.n, r.stderr)
        self.assertIn("truncated", r.stderr)

    def test_06_head_with_another_hash(self):
        head = self.holdpoint("audit", "head").stdout.strip()
        seq = int(head.split(":")[0])
        r = self.holdpoint("audit", "verify", "--head", "%d:%s" % (seq, "0" * 64))
        self.assert_broken_at(seq, r)


class AuditPagesTest(AuditCase):
    """The auditor's pages, downloads and who may open them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rid = None

    def release(self):
        """One delivery release with decisions, made once for the class."""
        if type(self).rid is None:
            rid = self.create_release("audit-shop", "3.1.4")
            self.drive_approvals(rid)
            type(self).rid = rid
        return type(self).rid

    def test_01_roles(self):
        rid = self.release()
        everything = ["/audit", "/audit/export.csv", "/audit/export.jsonl", "/releases/%d/audit.csv" % rid,
                      "/releases/%d/report.pdf" % rid, "/releases/%d/approvals" % rid]
        for who in ("carol", "bob", "dave"):
            for path in everything:
                self.assertEqual(self.as_(who).get(path).status, 403, "%s %s" % (who, path))
        for who in ("erin", "admin"):
            for path in everything:
                self.assertEqual(self.as_(who).get(path).status, 200, "%s %s" % (who, path))
        # release managers: a release's approvals log and report, not the raw trail
        for path in everything:
            want = 200 if path.endswith(("/approvals", "/report.pdf")) else 403
            self.assertEqual(self.as_("alice").get(path).status, want, "alice " + path)
        # signed out: to the sign-in page
        r = self.client().get("/audit/export.csv")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").startswith("/login"))
        self.assertEqual(self.as_("erin").get("/releases/999999/report.pdf").status, 404)
        self.assertEqual(self.as_("erin").get("/releases/999999/approvals").status, 404)
        self.assertEqual(self.as_("erin").get("/releases/999999/audit.csv").status, 404)

    def test_02_audit_page_rows_and_read_only(self):
        self.failed_login("<script>alert(1)</script>")
        r = self.as_("erin").get("/audit")
        self.assertEqual(r.status, 200)
        body = main_html(r)
        self.assertIn("<h1>Audit trail</h1>", body)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", body)
        self.assertNotIn("<script>alert(1)", r.text)
        self.assertEqual(re.findall(r"<form[^>]*>", body),
                         re.findall(r'<form method="get" action="/audit"[^>]*>', body))
        self.assertEqual(len(re.findall(r"<form", body)), 1)
        self.assertNotIn('method="post"', body)
        head = self.server.sql("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")[0]
        self.assertIn("%d:%s" % head, body)
        seqs = page_seqs(r)
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        self.assertEqual(seqs[0], head[0])
        # a row: time with milliseconds, IP, short session hash, links
        self.assertRegex(body, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")
        self.assertIn('<td class="mono">127.0.0.1</td>', body)
        self.assertRegex(body, r'<abbr title="[0-9a-f]{64}">[0-9a-f]{12}</abbr>')

    def test_03_object_and_release_links(self):
        rid = self.release()
        r = self.as_("erin").get("/audit?release=%d" % rid)
        self.assertEqual(r.status, 200)
        body = main_html(r)
        self.assertIn('<a href="/releases/%d">' % rid, body)
        self.assertRegex(body, r'<a href="/activities/\d+">activity ')
        # a decision made for someone else: both people
        body = main_html(self.as_("erin").get("/audit?action=decision.approve&release=%d" % rid))
        self.assertRegex(body, r"<td>admin<br><span class=\"muted\">acting for dave</span></td>")
        # users link to the admin page for admins only
        r = self.as_("erin").get("/audit?action=auth.login")
        self.assertNotIn('href="/admin/users/', main_html(r))
        r = self.as_("admin").get("/audit?action=auth.login")
        self.assertIn('href="/admin/users/', main_html(r))

    def test_04_filters(self):
        self.as_("dave")
        r = self.as_("erin").get("/audit?user=dave")
        self.assertEqual(r.status, 200)
        seqs = page_seqs(r)
        self.assertTrue(seqs)
        for s in seqs:
            self.assertEqual(self.server.sql("SELECT actor_name FROM audit_log WHERE seq=?", s)[0][0], "dave")
        # an action group and an exact action
        for q, like in (("auth.", "auth.%"), ("auth.login_failed", "auth.login_failed")):
            seqs = page_seqs(self.as_("erin").get("/audit?action=" + q))
            self.assertTrue(seqs, q)
            for s in seqs:
                self.assertTrue(self.server.sql("SELECT action LIKE ? FROM audit_log WHERE seq=?", like, s)[0][0], q)
        # IP
        self.assertTrue(page_seqs(self.as_("erin").get("/audit?ip=127.0.0.1")))
        r = self.as_("erin").get("/audit?ip=192.0.2.1")
        self.assertEqual(page_seqs(r), [])
        self.assertIn("No records match these filters.", r.text)
        # dates: the day of the newest record includes it, the next day has nothing
        seq, at = self.server.sql("SELECT seq, at FROM audit_log ORDER BY seq DESC LIMIT 1")[0]
        import datetime
        day = datetime.datetime.fromtimestamp(at / 1000, datetime.timezone.utc).date()
        nxt = day + datetime.timedelta(days=1)
        self.assertIn(seq, page_seqs(self.as_("erin").get("/audit?from=%s&to=%s" % (day, day))))
        self.assertEqual(page_seqs(self.as_("erin").get("/audit?from=%s" % nxt)), [])
        self.assertTrue(page_seqs(self.as_("erin").get("/audit?to=%s" % day)))
        # bad values: 400 with the message next to the field, no records
        for q, msg in (("from=2026-02-30", "Enter the start date"), ("to=yesterday", "Enter the end date"),
                       ("from=2026-05-02&to=2026-05-01", "before the start date"),
                       ("release=abc", "Enter a release number"), ("ip=1.2.3.4%3Cx", "Enter an IP address"),
                       ("action=%27%20OR%201%3D1", "Enter an action")):
            r = self.as_("erin").get("/audit?" + q)
            self.assertEqual(r.status, 400, q)
            self.assertIn(msg, r.text, q)
            self.assertEqual(page_seqs(r), [], q)
            self.assertEqual(self.as_("erin").get("/audit/export.csv?" + q).status, 400, q)
        # the form keeps what was typed
        r = self.as_("erin").get("/audit?user=dave&release=abc")
        self.assertIn('value="dave"', r.text)
        self.assertIn('value="abc"', r.text)

    def test_04b_action_suggestions_follow_the_trail(self):
        """The action filter suggests every action in the trail, one the trail never had before included."""
        def suggested():
            r = self.as_("erin").get("/audit")
            self.assertEqual(r.status, 200)
            return re.findall(r'<option value="([^"]*)">', r.text)

        def in_trail():
            return sorted(a for (a,) in self.server.sql("SELECT DISTINCT action FROM audit_log"))
        for _ in range(4):                                  # every worker has read the list once
            self.assertEqual(suggested(), in_trail())
        self.assertNotIn("token.revoke", suggested())
        self.server.cli("token", "create", "--user", "bob", "--name", "suggestions")
        tid = self.server.sql("SELECT max(id) FROM api_tokens")[0][0]
        self.server.cli("token", "revoke", str(tid))
        for _ in range(4):                                  # added from the records written since
            names = suggested()
            self.assertIn("token.revoke", names)
            self.assertEqual(names, in_trail())

    def test_05_keyset_paging(self):
        for i in range(55):                                   # make sure there are more than two pages
            self.failed_login("pager-%02d" % i)
        r = self.as_("erin").get("/audit?action=auth.login_failed")
        first = page_seqs(r)
        self.assertEqual(len(first), 50)
        self.assertIsNone(link(r, "prev"))
        older = link(r, "next")
        self.assertIn("before=%d" % first[-1], older)
        self.assertIn("action=auth.login_failed", older)
        r2 = self.as_("erin").get(older)
        second = page_seqs(r2)
        self.assertTrue(second)
        self.assertLess(max(second), min(first))
        total = self.server.sql("SELECT count(*) FROM audit_log WHERE action='auth.login_failed'")[0][0]
        self.assertEqual(len(second), min(50, total - 50))
        newer = link(r2, "prev")
        self.assertIn("after=%d" % second[0], newer)
        self.assertEqual(page_seqs(self.as_("erin").get(newer)), first)

    def test_10_csv_download(self):
        for f in FORMULAS:
            self.failed_login("formula-probe", headers={"User-Agent": f})
        self.failed_login("=cmd|' /C calc'!A0")
        self.server.cli("user", "add", "mallory", "--email", "mallory@example.com",
                        "--display-name", EVIL_DISPLAY, "--role", "qa", stdin="mallory-password-1\n")
        self.client().login("mallory", "mallory-password-1")
        r = self.as_("erin").get("/audit/export.csv")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/csv"))
        self.assertRegex(r.header("Content-Disposition"), r'^attachment; filename="holdpoint-audit-\d{8}T\d{6}Z\.csv"$')
        text = r.body.decode("utf-8")                           # strict: it must be UTF-8
        self.assertTrue(text.endswith("\r\n"))
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertGreaterEqual(text.count("\r\n"), len(rows))            # CRLF after every record
        header = rows[0]
        self.assertEqual(header[:4], ["seq", "time_utc", "actor_id", "actor"])
        for col in ("ip", "session_hash", "user_agent", "action", "details", "hash", "acting_for"):
            self.assertIn(col, header)
        data = [dict(zip(header, row)) for row in rows[1:]]
        self.assertTrue(all(len(row) == len(header) for row in rows))
        seqs = [int(d["seq"]) for d in data]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(seqs[0], 1)
        # formulas planted in the user agent come out neutralised, everything else as it was
        agents = {d["user_agent"] for d in data}
        for f in FORMULAS:
            self.assertIn("'" + f, agents)
            self.assertNotIn(f, agents)
        # a display name set with the command line
        names = [d["actor_display_name"] for d in data if d["actor"] == "mallory"]
        self.assertTrue(names)
        self.assertEqual(set(names), {"'" + EVIL_DISPLAY})
        # a username typed at sign-in sits inside the details JSON, whole
        details = [json.loads(d["details"]) for d in data if d["action"] == "auth.login_failed"]
        self.assertIn({"username": "=cmd|' /C calc'!A0"}, details)
        # times in UTC with milliseconds
        self.assertRegex(data[0]["time_utc"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # the export is recorded, with its format and filters, before it was written
        last = self.rows("action='audit.export'")[-1]
        self.assertEqual(last["actor_name"], "erin")
        self.assertEqual(json.loads(last["details_json"]), {"filters": {}, "format": "csv"})
        self.assertIn(last["seq"], seqs)

    def test_11_csv_download_with_filters(self):
        r = self.as_("erin").get("/audit/export.csv?action=auth.login_failed&ip=127.0.0.1")
        self.assertEqual(r.status, 200)
        rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))
        self.assertTrue(rows)
        self.assertEqual({d["action"] for d in rows}, {"auth.login_failed"})
        last = self.rows("action='audit.export'")[-1]
        self.assertEqual(json.loads(last["details_json"]),
                         {"filters": {"action": "auth.login_failed", "ip": "127.0.0.1"}, "format": "csv"})

    def test_12_jsonl_download(self):
        r = self.as_("erin").get("/audit/export.jsonl?action=auth.")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/jsonl"))
        self.assertRegex(r.header("Content-Disposition"), r'^attachment; filename="holdpoint-audit-\d{8}T\d{6}Z\.jsonl"$')
        lines = r.body.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "")
        objs = [json.loads(l) for l in lines[:-1]]
        self.assertTrue(objs)
        self.assertTrue(all(o["action"].startswith("auth.") for o in objs))
        self.assertEqual([o["seq"] for o in objs], sorted(o["seq"] for o in objs))
        db = {s: h for s, h in self.server.sql("SELECT seq, hash FROM audit_log WHERE action LIKE 'auth.%'")}
        self.assertEqual(len(objs), len(db))
        for o in objs:
            self.assertEqual(o["hash"], db[o["seq"]])
            self.assertIsInstance(o["details"], dict)
        self.assertEqual(json.loads(self.rows("action='audit.export'")[-1]["details_json"]),
                         {"filters": {"action": "auth."}, "format": "jsonl"})

    def test_13_head_request_exports_nothing(self):
        before = len(self.rows("action='audit.export'"))
        r = self.as_("erin").request("HEAD", "/audit/export.csv")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(len(self.rows("action='audit.export'")), before)

    def test_14_release_csv(self):
        rid = self.release()
        r = self.as_("erin").get("/releases/%d/audit.csv" % rid)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Disposition"), 'attachment; filename="holdpoint-audit-release-%d.csv"' % rid)
        rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))
        self.assertTrue(rows)
        self.assertEqual({d["release_id"] for d in rows}, {str(rid)})
        self.assertIn("release.create", {d["action"] for d in rows})
        last = self.rows("action='audit.export'")[-1]
        self.assertEqual((last["release_id"], last["object_type"], last["object_id"]), (rid, "release", rid))

    def test_20_pdf_report(self):
        rid = self.release()
        r = self.as_("erin").get("/releases/%d/report.pdf" % rid)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.header("Content-Disposition"), 'attachment; filename="holdpoint-audit-release-%d.pdf"' % rid)
        self.assertTrue(r.body.startswith(b"%PDF-"))
        path = os.path.join(self.server.data, "report-%d.pdf" % rid)
        with open(path, "wb") as f:
            f.write(r.body)
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertRegex(info.stdout, r"Title:\s+Holdpoint audit report: release audit-shop")
        pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
        text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                              timeout=60).stdout
        self.assertIn("audit-shop", text)
        self.assertIn("3.1.4", text)
        self.assertIn("registry.example/audit-shop:3.1.4", text)
        self.assertIn("Alice Manager (alice)", text)
        # the head printed is the record of this very report
        exp = self.rows("action='audit.export' AND release_id=%d" % rid)[-1]
        self.assertEqual(json.loads(exp["details_json"]), {"format": "pdf"})
        self.assertIn("%d:%s" % (exp["seq"], exp["hash"]), text)
        # phases and activities, decisions with their signature manifestation, inputs, evidence
        pa = self.act(rid, "production-approval")
        at = dict(self.server.sql("SELECT u.username, d.at FROM decisions d JOIN users u ON u.id=d.actor_id"
                                  " WHERE d.activity_id=?", pa))
        for s in ("production-approval", "qa-signoff", "deploy-qa", "Phase 1: qa", "Phase 2: production",
                  "Approved for release to production", "Carol Reliability (carol)",
                  "Ada Admin (admin), acting for Dave Product (dave)", "Canary looks healthy.",
                  "Risk level (risk)", "medium", "report.txt", hashlib.sha256(REPORT).hexdigest(),
                  "Page 1 of %d" % pages, "Page %d of %d" % (pages, pages)):
            self.assertIn(s, text)
        # the signature manifestation: printed name, UTC date and time, meaning
        self.assertRegex(text, r"Signed by\s+Carol Reliability\s+Signed at\s+%s UTC\s+Meaning\s+Approved for release"
                         % re.escape(utc_ms(at["carol"])))
        self.assertRegex(text, r"Signed by\s+Ada Admin\s+Signed at\s+%s UTC" % re.escape(utc_ms(at["admin"])))

    def test_21_pdf_text_outside_latin1(self):
        rid = self.create_release("shop-\u03a9mega-\u65e5\u672c", "\u00e9t\u00e9-\u20ac")
        r = self.as_("erin").get("/releases/%d/report.pdf" % rid)
        self.assertEqual(r.status, 200)
        path = os.path.join(self.server.data, "report-%d.pdf" % rid)
        with open(path, "wb") as f:
            f.write(r.body)
        self.assertEqual(subprocess.run(["pdfinfo", path], capture_output=True, timeout=60).returncode, 0)
        text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, timeout=60).stdout
        self.assertIn("shop-?mega-??", text)
        self.assertIn("\u00e9t\u00e9-\u20ac", text)

    def test_22_approvals_log(self):
        rid = self.release()
        pa = self.act(rid, "production-approval")
        r = self.as_("erin").get("/releases/%d/approvals" % rid)
        self.assertEqual(r.status, 200)
        body = main_html(r)
        self.assertNotIn("<form", body)                       # read-only
        self.assertIn('<a href="/activities/%d">production-approval</a>' % pa, body)
        at = dict(self.server.sql("SELECT u.username, d.at FROM decisions d JOIN users u ON u.id=d.actor_id"
                                  " WHERE d.activity_id=?", pa))
        self.assertIn("Carol Reliability (carol)", body)
        self.assertIn("Signed by <strong>Carol Reliability</strong>", body)
        self.assertIn("<div>%s UTC</div>" % utc_ms(at["carol"]), body)
        self.assertIn("Meaning: Approved for release to production", body)
        self.assertIn("Canary looks healthy.", body)
        self.assertIn("Dave Product (dave)<br><span class=\"muted\">entered by Ada Admin (admin), acting for them", body)
        self.assertIn("Signed by <strong>Ada Admin</strong>", body)
        self.assertIn("Eligible when the round opened: carol, dave", body)
        # someone in two of the rules is named once
        self.server.execute("INSERT INTO eligible(activity_id, round, rule_index, user_id)"
                            " SELECT activity_id, round, rule_index + 10, user_id FROM eligible WHERE activity_id=?", (pa,))
        try:
            self.assertIn("Eligible when the round opened: carol, dave</p>",
                          main_html(self.as_("erin").get("/releases/%d/approvals" % rid)))
        finally:
            self.server.execute("DELETE FROM eligible WHERE activity_id=? AND rule_index>=10", (pa,))
        # the release's starter was told in the app when it was approved
        section = body[body.index('id="activity-%d"' % pa):]
        self.assertRegex(section[:section.index("</section>")], r'<td data-label="Channel">in-app</td>\s*<td data-label="To">alice</td>')
        self.assertIn('href="/releases/%d/report.pdf"' % rid, body)
        self.assertIn('href="/releases/%d/audit.csv"' % rid, body)
        qa = self.act(rid, "qa-signoff")
        section = body[body.index('id="activity-%d"' % qa):]
        self.assertIn("Eligible when the round opened: bob", section)
        self.assertIn("<code>activity.on_hold</code>", section)        # its history from the trail
        self.assertIn("No actions ran.", body)
        # release managers see it without the raw-trail links
        body = main_html(self.as_("alice").get("/releases/%d/approvals" % rid))
        self.assertIn("Signed by <strong>Carol Reliability</strong>", body)
        self.assertNotIn("/audit.csv", body)

    def test_22b_details_read_as_labelled_fields(self):
        self.failed_login("labelled-fields")
        r = self.as_("erin").get("/audit?action=auth.login_failed")
        self.assertEqual(r.status, 200)
        self.assertIn('<dl class="audit-details" tabindex="0"><dt>username</dt><dd>labelled-fields</dd></dl>', r.text)
        self.assertNotIn("{&#34;username&#34;", r.text)
        self.assertNotIn('{"username"', r.text)
        # numbers as numbers: a refusal records its status
        self.assertEqual(self.as_("bob").get("/audit").status, 403)
        r = self.as_("erin").get("/audit?action=access.denied")
        self.assertIn("<dt>path</dt><dd>/audit</dd><dt>reason</dt><dd>role</dd><dt>status</dt><dd>403</dd>", r.text)
        # dates are typed as the page says (YYYY-MM-DD, UTC), not in the browser's mm/dd/yyyy
        self.assertNotIn('type="date"', r.text)
        self.assertIn("(UTC day, YYYY-MM-DD)", r.text)

    def test_22c_approvals_log_covers_manual_tasks_inputs_and_files(self):
        """The log shows manual tasks too, and what was filled in and uploaded in each round."""
        path = os.path.join(self.server.data, "runbook.yaml")          # removed with the server's data
        with open(path, "w") as f:
            f.write("apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: runbook\nphases:\n"
                    "  - name: ops\n    activities:\n      - name: run-migration\n        type: manual\n"
                    "        responsible: {team: qa}\n        fields:\n"
                    "          - {key: ticket, label: Change ticket, type: text, required: true}\n"
                    "          - {key: checked, label: Backup checked, type: checkbox, required: true}\n")
        self.server.cli("template", "import", path)
        r = self.api.request("POST", "/api/v1/releases", json_body={"template": "runbook", "name": "log-manual"})
        self.assertEqual(r.status, 201, r.text)
        rid = r.json()["id"]
        aid = self.act(rid, "run-migration")
        bob = self.as_("bob")
        self.assertEqual(bob.post("/activities/%d/take" % aid).status, 303)
        r = bob.post("/activities/%d/inputs" % aid, {"f_ticket": "CHG-42", "f_checked": "on"})
        self.assertEqual(r.status, 303, r.text[:500])
        r = bob.post("/activities/%d/task" % aid, {"action": "proceed", "notes": "migrated"})
        self.assertEqual(r.status, 303, r.text[:500])
        m = self.as_("erin").get("/releases/%d/approvals" % rid).text
        sec = m[m.index('id="activity-%d"' % aid):]
        self.assertIn("<dt>Kind</dt><dd>Manual task</dd>", sec)
        self.assertIn("<code>task.take</code> by bob", sec)            # taking it, from the trail
        self.assertIn('<span class="badge s-pending">Proceeded</span>', sec)
        self.assertIn("<dt>Change ticket</dt><dd>CHG-42 <span class=\"muted\">— Bob Tester (bob)</span></dd>", sec)
        self.assertIn("<dt>Backup checked</dt><dd>Yes", sec)
        self.assertLess(sec.index("Change ticket"), sec.index("Backup checked"))   # in the form's order

    def test_23_approvals_log_actions_and_notifications(self):
        rid = self.release()
        pa = self.act(rid, "production-approval")
        # a webhook message in the outbox, as notify writes it (with the activity it is about)
        self.write_sql("""
          INSERT INTO outbox(channel,recipient,event,payload_json,idempotency_key,status,attempts,next_attempt_at,created_at,activity_id)
          VALUES('webhook','https://hooks.example/secret-token-123','sh.keptn.event.approval.finished',
                 '{"data":{"activity_id":%(pa)d}}','audit-e2e-%(pa)d','sent',1,0,1795000000999,%(pa)d);
          INSERT INTO outbox(channel,recipient,event,payload_json,idempotency_key,status,attempts,next_attempt_at,created_at)
          VALUES('email','x@example.com','other','not json at all activity','audit-e2e-bad-%(pa)d','pending',0,0,1795000000999);
        """ % {"pa": pa})
        r = self.as_("erin").get("/releases/%d/approvals" % rid)
        self.assertEqual(r.status, 200)
        body = main_html(r)
        self.assertIn("sh.keptn.event.approval.finished", body)
        self.assertIn("https://hooks.example/", body)
        self.assertNotIn("secret-token-123", body)            # webhook URLs can carry secrets

    def test_30_cli_export(self):
        rid = self.release()
        r = subprocess.run([harness.HOLDPOINT, "audit", "export", "--format", "csv"], env=self.server.env,
                           capture_output=True, timeout=120)                 # bytes: keep the CRLFs
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith(b"\r\n"))
        rows = list(csv.reader(io.StringIO(r.stdout.decode("utf-8"), newline="")))
        self.assertEqual(rows[0][0], "seq")
        self.assertGreater(len(rows), 10)
        last = self.rows("action='audit.export'")[-1]
        self.assertTrue(last["actor_name"].startswith("cli:"))
        self.assertEqual(json.loads(last["details_json"]), {"filters": {}, "format": "csv"})
        r = self.server.cli("audit", "export", "--format", "jsonl", "--release", str(rid))
        objs = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertTrue(objs)
        self.assertEqual({o["release_id"] for o in objs}, {rid})
        self.assertEqual(objs[-1]["action"], "audit.export")      # this export, recorded first
        bad = self.server.cli("audit", "export", "--format", "xml", check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(bad.stdout, "")
        bad = self.server.cli("audit", "export", "--format", "csv", "--release", "999999", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertEqual(self.server.cli("audit", "verify").returncode, 0)


@harness.sqlite_only("cuts a copy of the database file")
class CheckpointTest(unittest.TestCase):
    """The chain's head leaves the database: checkpoints in a file and at a witness, and verify uses them."""

    @classmethod
    def setUpClass(cls):
        from test_notify import Receiver
        cls.witness = Receiver()
        cls.server = harness.Server(env={"HOLDPOINT_AUDIT_CHECKPOINT_EVERY": "3", "HOLDPOINT_AUDIT_CHECKPOINT_S": "3600",
                                         "HOLDPOINT_AUDIT_WITNESS_URL": cls.witness.url("/witness")}).start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.witness.stop()

    def checkpoints(self):
        path = os.path.join(self.server.data, "log", "audit-checkpoints")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [l.split() for l in f if l.strip()]

    def test_01_checkpoints_follow_the_trail_and_verify_finds_a_cut(self):
        for who in ("carol", "erin", "dave"):
            self.server.client().login(who)
        head = self.server.sql("SELECT max(seq) FROM audit_log")[0][0]
        poll(lambda: self.checkpoints() and int(self.checkpoints()[-1][0]) >= head - 2, what="a checkpoint near the head")
        last = self.checkpoints()[-1]
        self.assertEqual(self.server.sql("SELECT hash FROM audit_log WHERE seq=?", int(last[0]))[0][0], last[1])
        # the witness got the same checkpoint
        got = poll(lambda: [json.loads(r["body"]) for r in self.witness.on("/witness")
                            if json.loads(r["body"])["seq"] == int(last[0])], what="the witness's copy")
        self.assertEqual((got[0]["hash"], got[0]["mac"]), (last[1], last[3]))
        # the audit page names the last checkpoint on every visit (each worker keeps the file's last
        # line until the file changes), and the next one once it is written
        erin = self.server.client()
        erin.login("erin")

        def shown():
            """The checkpoint the page names, over four visits (both workers)."""
            return {m for _ in range(4)
                    for m in re.findall(r"last checkpoint outside the database: row #(\d+)", erin.get("/audit").text)}
        self.assertEqual(shown(), {self.checkpoints()[-1][0]})
        before = self.checkpoints()[-1][0]
        for who in ("carol", "dave", "carol"):
            self.server.client().login(who)
        poll(lambda: self.checkpoints()[-1][0] != before, what="a newer checkpoint")
        self.assertEqual(shown(), {self.checkpoints()[-1][0]})
        last = self.checkpoints()[-1]
        r = self.server.cli("audit", "verify")
        self.assertIn("checked against the checkpoint of", r.stdout)
        # a copy whose trail was cut after the checkpoint, or wiped, or whose checkpoints were edited
        cases = [("DELETE FROM audit_log WHERE seq>=%d;" % int(last[0]), "truncated", None),
                 ("DELETE FROM audit_log;", "truncated", None),
                 ("", "altered", lambda lines: lines[:-1] + [lines[-1].replace(last[1], "0" * 64)])]
        for sql, words, edit in cases:
            with self.subTest(words=words, sql=sql):
                d = tempfile.mkdtemp(prefix="holdpoint-cp-")
                try:
                    os.makedirs(os.path.join(d, "keys"))
                    os.makedirs(os.path.join(d, "log"))
                    shutil.copy2(os.path.join(self.server.data, "keys", "audit.key"), os.path.join(d, "keys"))
                    src = sqlite3.connect(os.path.join(self.server.data, "holdpoint.db"))
                    dst = sqlite3.connect(os.path.join(d, "holdpoint.db"))
                    with dst:
                        src.backup(dst)
                    src.close()
                    dst.close()
                    lines = open(os.path.join(self.server.data, "log", "audit-checkpoints")).read().splitlines()
                    if edit:
                        lines = edit(lines)
                    with open(os.path.join(d, "log", "audit-checkpoints"), "w") as f:
                        f.write("\n".join(lines) + "\n")
                    env = dict(self.server.env, HOLDPOINT_DATA=d)
                    run = lambda *a: subprocess.run([harness.HOLDPOINT] + list(a), env=env, capture_output=True,
                                                    text=True, timeout=120)
                    self.assertEqual(run("audit", "verify").returncode, 0 if sql else 1)
                    if sql:
                        r = subprocess.run(["sqlite3", os.path.join(d, "holdpoint.db")], capture_output=True, text=True,
                                           input="DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;\n" + sql)
                        self.assertEqual(r.returncode, 0, r.stderr)
                        # without the checkpoint a cut at the end would pass unseen; with it, it fails
                        r = run("audit", "verify")
                        self.assertEqual(r.returncode, 1)
                        self.assertIn(words, r.stderr)
                        self.assertIn("row %s is missing" % last[0], r.stderr)
                    else:
                        r = run("audit", "verify")
                        self.assertEqual(r.returncode, 1, r.stdout)
                        self.assertIn(words, r.stderr)
                finally:
                    shutil.rmtree(d, ignore_errors=True)
        # auditors see on the audit page that checkpoints are being taken
        erin = self.server.client()
        erin.login("erin")
        page = erin.get("/audit").text
        shown = re.search(r"last checkpoint outside the database: row #(\d+)", page)
        self.assertTrue(shown, "the audit page does not show the last checkpoint")
        self.assertIn(shown.group(1), [c[0] for c in self.checkpoints()])


if __name__ == "__main__":
    unittest.main()
