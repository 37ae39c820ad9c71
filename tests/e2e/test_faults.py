"""test_faults.py — fault injection, SQLite style, and a kill -9 loop, on the paths that write.

`make check-faults` builds Holdpoint with -DHP_FAULT (cgi-src/base/fault.h) and runs this file:
each request may ask for its Nth SQL step, allocation, file write or fsync to fail
("X-Holdpoint-Fault: step:N").  For approve, take, upload, template import and audit export,
N walks up from 1 until the fault is no longer reached, and after every request:

- the answer is a clear error (a 4xx/5xx page or JSON with a message; never a worker crash,
  never nginx's 502) or a success whose effect is really recorded;
- a failed request changed nothing (no decision, evidence row or template; tmp/ empty);
- the database passes `PRAGMA integrity_check` and the audit chain verifies;
- every evidence row has its file and every stored file has a row.

The crash loop kills the worker handling an upload or a decision with SIGKILL at a random
moment, a bounded number of times, with the same checks.  Other builds skip this file.
"""
import os
import random
import signal
import tempfile
import threading
import unittest

from harness import ServerTestCase, poll
from test_evidence import make_pdf, multipart

FAULT_BUILD = os.environ.get("HOLDPOINT_FAULT_BUILD") == "1"

TEMPLATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: faults
phases:
  - name: checks
    activities:
      - name: signoff
        type: approval
        approvers:
          rules: [{team: qa, min: 1}]
      - name: evidence
        type: approval
        approvers:
          rules: [{team: qa, min: 1}]
        fields:
          - {key: report, label: Test report, type: file, accept: [application/pdf, text/plain]}
          - {key: note, label: Note, type: text}
      - name: task
        type: manual
        responsible: {team: qa}
"""

IMPORT_YAML = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: imported-%d
phases:
  - name: build
    activities:
      - name: compile
        type: automated
"""

KINDS = ("step", "alloc", "write", "fsync")
MAX_N = 3000


@unittest.skipUnless(FAULT_BUILD, "needs the fault build (make check-faults)")
class FaultTest(ServerTestCase):
    server_env = {"HOLDPOINT_FAULTS": "1"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="holdpoint-faults-")
        path = os.path.join(cls.tmp, "faults.yaml")
        with open(path, "w") as f:
            f.write(TEMPLATE)
        cls.server.cli("template", "import", path)
        cls.api = cls.server.client(token=cls.server.demo_token())
        cls.nrel = 0
        cls.bob = cls.server.client()
        cls.bob.login("bob")
        cls.alice = cls.server.client()
        cls.alice.login("alice")
        cls.erin = cls.server.client()
        cls.erin.login("erin")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    # ------------------------------------------------------------ helpers

    def release(self):
        """A new release of 'faults': its activities by name, all on hold."""
        type(self).nrel += 1
        r = self.api.request("POST", "/api/v1/releases", json_body={"template": "faults", "name": "f-%d" % self.nrel,
                                                                     "version": "1"})
        self.assertEqual(r.status, 201, r.text)
        acts = {a["name"]: a["id"] for p in r.json()["phases"] for a in p["activities"]}
        poll(lambda: all(s == "on_hold" for (s,) in self.server.sql(
            "SELECT status FROM activities WHERE release_id=(SELECT release_id FROM activities WHERE id=?)",
            acts["signoff"])), what="the activities on hold")
        return acts

    def counts(self):
        q = self.server.sql
        return {"decisions": q("SELECT count(*) FROM decisions")[0][0],
                "evidence": q("SELECT count(*) FROM evidence")[0][0],
                "inputs": q("SELECT count(*) FROM inputs")[0][0],
                "templates": q("SELECT count(*) FROM templates")[0][0],
                "taken": q("SELECT count(*) FROM activities WHERE responsible_user_id IS NOT NULL")[0][0]}

    def check_store(self, what):
        """Integrity, the audit chain, rows and files, tmp/ empty, no transaction left open."""
        self.assertNotIn("left a transaction open", self.server.read_log(), what)
        self.assertEqual(self.server.sql("PRAGMA integrity_check")[0][0], "ok", what)
        r = self.server.cli("audit", "verify", check=False)
        self.assertEqual(r.returncode, 0, "%s: audit verify: %s %s" % (what, r.stdout, r.stderr))
        rows = {p for (p,) in self.server.sql("SELECT DISTINCT stored_path FROM evidence")}
        files = set()
        base = os.path.join(self.server.data, "evidence")
        for root, _dirs, names in os.walk(base):
            for n in names:
                files.add(os.path.relpath(os.path.join(root, n), self.server.data))
        self.assertEqual(files - rows, set(), "%s: a file without its row" % what)
        self.assertEqual(rows - files, set(), "%s: a row without its file" % what)
        self.assertEqual(os.listdir(os.path.join(self.server.data, "tmp")), [], "%s: tmp/ not empty" % what)

    def walk(self, name, attempt, effect):
        """Walk N over every kind for one path.  attempt(fault) -> response; effect(before, after, r)
        -> True when the operation took effect.  Returns how many requests were made."""
        total = 0
        _master, workers = self.server.pids()
        for kind in KINDS:
            for n in range(1, MAX_N):
                before = self.counts()
                spec = "%s:%d" % (kind, n)
                r = attempt(spec)
                total += 1
                what = "%s with %s -> %d %s" % (name, spec, r.status, r.text[:300])
                self.assertNotIn(r.status, (502, 504), what + ": the worker died")
                after = self.counts()
                fired = r.header("X-Holdpoint-Fault")
                self.assertIn(fired, ("fired", "not-reached"), what)
                if r.status >= 400:
                    self.assertEqual(before, after, what + ": a refused request changed something")
                    self.assertTrue(r.text.strip(), what + ": an error without a message")
                    self.assertEqual(fired, "fired", what + ": failed without the fault")
                else:
                    self.assertTrue(effect(before, after, r), what + ": acknowledged but not recorded")
                self.check_store(what)
                if fired == "not-reached":
                    break
            else:
                self.fail("%s: the %s fault was still reached after %d tries" % (name, kind, MAX_N))
        self.assertEqual(set(self.server.pids()[1]), set(workers), "%s: a worker died" % name)
        return total

    # ------------------------------------------------------------ the paths

    def test_01_approve(self):
        state = {"act": self.release()["signoff"]}

        def attempt(spec):
            act = state["act"]
            r = self.bob.request("POST", "/activities/%d/decision" % act,
                                 form={"decision": "approve", "comment": "ok", "csrf": self.bob.csrf},
                                 headers={"X-Holdpoint-Fault": spec})
            if r.status < 400:
                state["act"] = self.release()["signoff"]       # the next N needs a fresh approval
            return r

        def effect(before, after, r):
            return after["decisions"] == before["decisions"] + 1
        self.assertGreater(self.walk("approve", attempt, effect), 20)

    def test_02_take(self):
        state = {"act": self.release()["task"]}

        def attempt(spec):
            r = self.bob.request("POST", "/activities/%d/take" % state["act"], form={"csrf": self.bob.csrf},
                                 headers={"X-Holdpoint-Fault": spec})
            if r.status < 400:
                state["act"] = self.release()["task"]
            return r

        def effect(before, after, r):
            return after["taken"] == before["taken"] + 1
        self.assertGreater(self.walk("take", attempt, effect), 20)

    def test_03_upload(self):
        state = {"act": self.release()["evidence"], "i": 0}

        def attempt(spec):
            state["i"] += 1
            body, ctype = multipart([("csrf", None, self.bob.csrf.encode()), ("field", None, b"report"),
                                     ("file", "report-%d.pdf" % state["i"], make_pdf("run %d" % state["i"]))])
            return self.bob.request("POST", "/activities/%d/evidence" % state["act"], body=body,
                                    headers={"Content-Type": ctype, "X-Holdpoint-Fault": spec})

        def effect(before, after, r):
            return after["evidence"] == before["evidence"] + 1
        self.assertGreater(self.walk("upload", attempt, effect), 20)

    def test_05_one_form(self):
        """Field, file and approval in one submit: all three are recorded, or none."""
        state = {"act": self.release()["evidence"], "i": 0}

        def attempt(spec):
            state["i"] += 1
            body, ctype = multipart([("csrf", None, self.bob.csrf.encode()), ("inputs_form", None, b"1"),
                                     ("f_note", None, b"run %d" % state["i"]), ("comment", None, b"ok"),
                                     ("f_report", "report-%d.pdf" % state["i"], make_pdf("form %d" % state["i"])),
                                     ("decision", None, b"approve")])
            r = self.bob.request("POST", "/activities/%d/submit" % state["act"], body=body,
                                 headers={"Content-Type": ctype, "X-Holdpoint-Fault": spec})
            if r.status < 400:
                state["act"] = self.release()["evidence"]
            return r

        def effect(before, after, r):
            return (after["evidence"], after["inputs"], after["decisions"]) == \
                   (before["evidence"] + 1, before["inputs"] + 1, before["decisions"] + 1)
        self.assertGreater(self.walk("one form", attempt, effect), 20)

    def test_04_template_import(self):
        state = {"i": 0}

        def attempt(spec):
            state["i"] += 1
            return self.alice.request("POST", "/templates", form={"yaml": IMPORT_YAML % state["i"],
                                                                  "csrf": self.alice.csrf},
                                      headers={"X-Holdpoint-Fault": spec})

        def effect(before, after, r):
            return after["templates"] == before["templates"] + 1
        self.assertGreater(self.walk("template import", attempt, effect), 20)

    def test_05_audit_export(self):
        """A fault before the first byte is an error page; one after it cuts the connection, so a
        short file is never taken for the whole trail."""
        import http.client
        complete = 0
        for kind in KINDS:
            for n in range(1, MAX_N):
                conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
                cookie = "; ".join("%s=%s" % kv for kv in self.erin.cookies.items())
                conn.request("GET", "/audit/export.csv", headers={"Cookie": cookie,
                                                                   "X-Holdpoint-Fault": "%s:%d" % (kind, n)})
                resp = conn.getresponse()
                what = "export with %s:%d -> %d" % (kind, n, resp.status)
                self.assertNotIn(resp.status, (502, 504), what)
                try:
                    body = resp.read()
                    whole = True
                except http.client.IncompleteRead:
                    body, whole = b"", False
                conn.close()
                if resp.status == 200 and whole:
                    rows = body.decode("utf-8").count("\r\n")
                    total = self.server.sql("SELECT count(*) FROM audit_log")[0][0]
                    # the export is recorded before it runs, so it holds at least every earlier row
                    self.assertGreaterEqual(rows - 1, total - 1, what + ": a short export looked complete")
                    complete += 1
                else:
                    self.assertTrue(resp.status >= 400 or not whole, what)
                self.check_store(what)
                if resp.getheader("X-Holdpoint-Fault") == "not-reached" and resp.status == 200 and whole:
                    break
        self.assertGreaterEqual(complete, len(KINDS))

    # ------------------------------------------------------------ kill -9 at random moments

    def test_06_crash_loop(self):
        """Kill the worker serving an upload or a decision at a random moment, 12 times."""
        rnd = random.Random(20261205)
        for i in range(12):
            acts = self.release()
            before = self.counts()
            result = {}

            def send():
                try:
                    if i % 2 == 0:
                        body, ctype = multipart([("csrf", None, self.bob.csrf.encode()), ("field", None, b"report"),
                                                 ("file", "crash-%d.pdf" % i, make_pdf("crash %d" % i) * 200)])
                        r = self.bob.request("POST", "/activities/%d/evidence" % acts["evidence"], body=body,
                                             headers={"Content-Type": ctype})
                    else:
                        r = self.bob.request("POST", "/activities/%d/decision" % acts["signoff"],
                                             form={"decision": "approve", "csrf": self.bob.csrf})
                    result["status"] = r.status
                except Exception as e:          # a cut connection is a possible outcome
                    result["error"] = e
            t = threading.Thread(target=send)
            workers = self.server.worker_pids()
            self.assertEqual(len(workers), int(self.server.env["HOLDPOINT_WORKERS"]))
            t.start()
            threading.Event().wait(rnd.uniform(0.0, 0.03))      # a random moment, not a wait for state
            for pid in workers:                                 # the request workers, not the job runner
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            t.join(60)
            poll(lambda: self.server.all_children_up() and not set(workers) & set(self.server.worker_pids()),
                 what="the workers respawned")
            poll(lambda: self.server.client().get("/healthz").status == 200, what="healthz")
            poll(lambda: os.listdir(os.path.join(self.server.data, "tmp")) == [], what="the dead worker's files swept")
            after = self.counts()
            what = "crash %d (%s)" % (i, result)
            if result.get("status") in (200, 201, 303):
                key = "evidence" if i % 2 == 0 else "decisions"
                self.assertEqual(after[key], before[key] + 1, what + ": acknowledged but lost")
            self.check_store(what)


if __name__ == "__main__":
    unittest.main()
