"""test_nodes.py — two Holdpoint nodes on one PostgreSQL database behind one nginx (make check-postgres).

Node A is started as every test server is (nginx + holdpoint serve); node B is a second
`holdpoint serve` with its own data directory on the same database; nginx spreads requests over
both sockets (HOLDPOINT_UPSTREAM_EXTRA).  The evidence directory and the audit key are shared:
a directory on another file system (/dev/shm when there is one) that both data directories
link to, as a shared mount would be.  Votes and uploads go to both at once, node B is killed in
the middle; then every decision is recorded exactly once, every upload that was answered 201
has its row and its file, and the audit chain verifies.
"""
import concurrent.futures
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

import harness
from harness import Server, poll
from test_approvals import GATE
from test_evidence import CAPTURE_YAML, multipart


@unittest.skipUnless(harness.on_postgres(), "two nodes share a PostgreSQL database (make check-postgres)")
class TwoNodesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        cls.shared = tempfile.mkdtemp(prefix="holdpoint-shared-", dir=base)
        cls.addClassCleanup(shutil.rmtree, cls.shared, True)
        os.chmod(cls.shared, 0o755)
        for d, mode in (("evidence", 0o750), ("keys", 0o700)):
            os.mkdir(os.path.join(cls.shared, d), mode)
        cls.b_data = tempfile.mkdtemp(prefix="holdpoint-e2e-nodeb-")
        cls.addClassCleanup(shutil.rmtree, cls.b_data, True)
        cls.b_sock = os.path.join(cls.b_data, "run", "holdpoint.sock")
        cls.a = Server(env={"HOLDPOINT_UPSTREAM_EXTRA": "unix:" + cls.b_sock})
        cls.addClassCleanup(cls.a.stop)
        for data in (cls.a.data, cls.b_data):
            for d in ("evidence", "keys"):
                os.symlink(os.path.join(cls.shared, d), os.path.join(data, d))
        cls.a.start()
        cls.b = None
        cls.addClassCleanup(cls.stop_b)
        cls.start_b()
        s = cls.a
        s.cli("team", "add", "cab")
        for name in ("u1", "u2", "u3"):
            s.cli("user", "add", name, "--email", name + "@example.com", "--display-name", name.upper() + " Person",
                  "--role", "approver", "--team", "cab", stdin="holdpoint-demo\n")
        for name, text in (("gate", GATE), ("capture", CAPTURE_YAML)):
            path = os.path.join(cls.shared, name + ".yaml")
            with open(path, "w") as f:
                f.write(text)
            s.cli("template", "import", path)
        cls.tokens = {n: s.cli("token", "create", "--user", n, "--name", "t").stdout.strip() for n in ("u1", "u2", "u3")}
        cls.admin = s.client(token=s.demo_token())

    @classmethod
    def start_b(cls):
        env = dict(cls.a.env, HOLDPOINT_DATA=cls.b_data)
        for d in ("run", "log", "tmp"):
            os.makedirs(os.path.join(cls.b_data, d), exist_ok=True)
        os.chmod(cls.b_data, 0o755)
        if os.geteuid() == 0:                   # nginx's workers (www-data) connect to B's socket too
            import grp
            try:
                gid = grp.getgrnam("www-data").gr_gid
                os.chown(os.path.join(cls.b_data, "run"), 0, gid)
                os.chmod(os.path.join(cls.b_data, "run"), 0o750)
                env["HOLDPOINT_SOCKET_GROUP"] = "www-data"
            except KeyError:
                pass
        log = open(os.path.join(cls.b_data, "log", "holdpoint.log"), "ab")
        cls.b = subprocess.Popen([harness.HOLDPOINT, "serve"], env=env, stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=log, start_new_session=True)
        log.close()
        poll(lambda: os.path.exists(cls.b_sock), what="node B's socket")

    @classmethod
    def stop_b(cls, sig=signal.SIGTERM):
        if cls.b is not None and cls.b.poll() is None:
            os.killpg(cls.b.pid, sig)          # the master and its workers and job runner
            cls.b.wait(timeout=60)
        cls.b = None

    def b_log(self):
        with open(os.path.join(self.b_data, "log", "holdpoint.log"), errors="replace") as f:
            return f.read()

    # ------------------------------------------------------------ helpers

    def api(self, user=None):
        return self.a.client(token=self.tokens[user] if user else self.a.demo_token())

    def release(self, template, name):
        r = self.admin.request("POST", "/api/v1/releases", json_body={"template": template, "name": name, "version": "1.0",
                                                                      "variables": {"version": "1.0"} if template == "gate" else {}})
        self.assertEqual(r.status, 201, r.text)
        acts = {x["name"]: x["id"] for p in r.json()["phases"] for x in p["activities"]}
        r = self.admin.request("POST", "/api/v1/activities/%d/result" % acts["build"], json_body={"result": "pass"})
        self.assertEqual(r.status, 200, r.text)
        return acts

    def vote(self, user, aid):
        """One person's approval, sent again (as a pipeline would) when the node it reached died."""
        for _ in range(20):
            r = self.api(user).request("POST", "/api/v1/activities/%d/decision" % aid, json_body={"decision": "approve"})
            if r.status not in (502, 503, 504):
                return r.status
        return r.status

    def upload(self, n, aid):
        data = ("evidence %d from a node\n" % n).encode() * 50
        body, ctype = multipart([("field", None, b"report"), ("file", "report-%d.txt" % n, data)])
        for _ in range(20):
            r = self.api().request("POST", "/api/v1/activities/%d/evidence" % aid, body=body,
                                   headers={"Content-Type": ctype})
            if r.status not in (502, 503, 504):
                return r.status, hashlib.sha256(data).hexdigest(), r.text
        return r.status, None, r.text

    # ------------------------------------------------------------ tests

    def test_01_both_nodes_serve(self):
        for _ in range(20):
            self.assertEqual(self.admin.get("/api/v1/releases").status, 200)
        # a read's access line is written when its worker has nothing else to do: poll for it
        poll(lambda: "GET /api/v1/releases 200" in self.b_log(), what="node B's access lines")

        def a_log():
            with open(os.path.join(self.a.data, "log", "holdpoint.log"), errors="replace") as f:
                return f.read()
        poll(lambda: "GET /api/v1/releases 200" in a_log(), what="node A's access lines")

    def test_02_votes_and_uploads_on_both_a_node_killed_in_the_middle(self):
        gates = [self.release("gate", "gate-%d" % i)["cab"] for i in range(8)]
        capture = self.release("capture", "files")
        sig = capture["signoff"]
        poll(lambda: self.a.sql("SELECT status FROM activities WHERE id=?", sig)[0][0] == "on_hold", what="signoff on hold")
        votes = [("vote", u, aid) for aid in gates for u in ("u1", "u2", "u3")]
        uploads = [("upload", n, sig) for n in range(12)]
        jobs = [j for pair in zip(votes[0::2], votes[1::2], uploads) for j in pair]   # both kinds all along
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
            futures = [ex.submit(self.vote if kind == "vote" else self.upload, who, aid) for kind, who, aid in jobs]
            # node B dies with requests in flight: kill -9, no clean shutdown
            # (once it has recorded decisions and files, or two thirds are answered)
            poll(lambda: (re.search(r"decision 200", self.b_log()) and re.search(r"evidence 201", self.b_log()))
                 or sum(f.done() for f in futures) >= 2 * len(futures) // 3, what="node B at work")
            self.stop_b(signal.SIGKILL)
            for (kind, who, aid), f in zip(jobs, futures):
                results.append((kind, who, aid, f.result()))
        # the work was spread: each node recorded decisions and files
        self.assertRegex(self.b_log(), r"POST /api/v1/activities/\d+/decision 200")
        self.assertRegex(self.b_log(), r"POST /api/v1/activities/\d+/evidence 201")
        with open(os.path.join(self.a.data, "log", "holdpoint.log"), errors="replace") as f:
            a_log = f.read()
        self.assertRegex(a_log, r"POST /api/v1/activities/\d+/decision 200")
        # exactly once: two of three approvals close each gate; the third is told it is decided
        for aid in gates:
            # (a vote whose node died after committing it is sent again and told 409: still one vote)
            statuses = [st for kind, _, a, st in results if kind == "vote" and a == aid]
            self.assertTrue(set(statuses) <= {200, 409} and 1 <= statuses.count(200) <= 2, "votes on %d: %s" % (aid, statuses))
            self.assertEqual(self.a.sql("SELECT count(*) FROM decisions WHERE activity_id=? AND decision='approve'", aid)[0][0], 2)
            self.assertEqual(self.a.sql("SELECT status FROM activities WHERE id=?", aid)[0][0], "completed")
            self.assertEqual(self.a.sql("SELECT count(*) FROM audit_log WHERE action='decision.approve' AND object_id=?", aid)[0][0], 2)
        # every upload answered 201 has its row and its file in the shared directory, unchanged
        stored = 0
        for kind, n, aid, (status, sha, text) in [r for r in results if r[0] == "upload"]:
            self.assertEqual(status, 201, "upload %d: %s" % (n, text))
            rows = self.a.sql("SELECT stored_path FROM evidence WHERE activity_id=? AND sha256=?", aid, sha)
            self.assertTrue(rows, "no row for upload %d" % n)
            with open(os.path.join(self.shared, rows[0][0]), "rb") as f:        # evidence/ab/cd/<sha>
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha)
            stored += 1
        self.assertEqual(stored, 12)
        # (an upload whose node died after recording it is sent again: the same file, a second row)
        self.assertGreaterEqual(self.a.sql("SELECT count(*) FROM evidence WHERE activity_id=?", sig)[0][0], 12)
        self.assertEqual(self.a.sql("SELECT count(DISTINCT sha256) FROM evidence WHERE activity_id=?", sig)[0][0], 12)
        # one chain, one writer order, across both nodes
        r = self.a.cli("audit", "verify")
        self.assertIn("intact", r.stdout)
        # the survivor holds the job runner's lease (B's expires) and keeps working
        self.assertTrue(self.a.sql("SELECT count(*) FROM job_lease")[0][0] <= 1)
        after = self.release("gate", "after")["cab"]
        self.assertEqual(self.vote("u1", after), 200)
        self.assertEqual(self.vote("u2", after), 200)
        self.assertEqual(self.a.sql("SELECT status FROM activities WHERE id=?", after)[0][0], "completed")
        # node B comes back and serves again (nginx tries it once its fail_timeout has passed)
        before = len(self.b_log())
        self.start_b()
        poll(lambda: self.admin.get("/api/v1/releases").status == 200
             and "GET /api/v1/releases 200" in self.b_log()[before:], timeout=60, interval=0.5, what="node B serving again")
        self.assertIn("intact", self.a.cli("audit", "verify").stdout)

    def test_03_the_job_runner_moves_when_its_process_dies(self):
        """The runner holds a PostgreSQL session lock: when its process dies another takes over at
        once, before the lease row would have expired (a row alone would wait out its 30 s)."""
        if self.b is None:
            self.start_b()
        holder = poll(lambda: self.a.sql("SELECT holder, expires_at FROM job_lease WHERE name='jobs'"), what="a lease")[0]
        pid = int(holder[0].rsplit(":", 1)[1])
        os.kill(pid, signal.SIGKILL)
        new = poll(lambda: [r for r in self.a.sql("SELECT holder, expires_at FROM job_lease WHERE name='jobs'")
                            if r[0] != holder[0]], timeout=60, what="another job runner")[0]
        self.assertLess(new[1] - holder[1], 30000, "taken over only once the old lease expired")
        os.kill(int(new[0].rsplit(":", 1)[1]), 0)                 # held by a live process


@unittest.skipUnless(harness.on_postgres(), "fails over between PostgreSQL servers (make check-postgres)")
class FailoverTest(unittest.TestCase):
    """A primary and a synchronous streaming replica; Holdpoint is given both hosts and takes the one
    that accepts writes.  The primary is lost (stopped at once), the replica promoted: the node connects
    to it again by itself, every decision committed before is there, work goes on, the chain verifies."""

    @classmethod
    def setUpClass(cls):
        import pg
        cls.primary = pg.Cluster()
        cls.addClassCleanup(cls.primary.stop)
        cls.primary.start("-c wal_level=replica")
        harness.pg_admin(cls.primary.url(""), "CREATE DATABASE failover")
        cls.replica = pg.Cluster()
        cls.addClassCleanup(cls.replica.stop)
        cls.replica.start("-c hot_standby=on", replica_of=cls.primary)
        # synchronous: a commit returns once the replica has it (with no standby yet, it would wait)
        harness.pg_admin(cls.primary.url(""), "ALTER SYSTEM SET synchronous_standby_names = '*'")
        harness.pg_admin(cls.primary.url(""), "SELECT pg_reload_conf()")
        poll(lambda: harness.pg_query(cls.primary.url("postgres"), "SELECT sync_state FROM pg_stat_replication", ())
             == [("sync",)], what="the replica streaming synchronously")
        url = "postgresql://holdpoint@127.0.0.1:%d,127.0.0.1:%d/failover?target_session_attrs=read-write" % (
            cls.primary.port, cls.replica.port)
        cls.s = Server(env={"HOLDPOINT_DATABASE": url})
        cls.addClassCleanup(cls.s.stop)
        cls.s.start()
        s = cls.s
        s.cli("team", "add", "cab")
        for name in ("u1", "u2"):
            s.cli("user", "add", name, "--email", name + "@example.com", "--display-name", name.upper() + " Person",
                  "--role", "approver", "--team", "cab", stdin="holdpoint-demo\n")
        path = os.path.join(s.data, "gate.yaml")
        with open(path, "w") as f:
            f.write(GATE)
        s.cli("template", "import", path)
        cls.tokens = {n: s.cli("token", "create", "--user", n, "--name", "t").stdout.strip() for n in ("u1", "u2")}

    def gate(self):
        api = self.s.client(token=self.s.demo_token())
        r = api.request("POST", "/api/v1/releases", json_body={"template": "gate", "name": "svc", "version": "1.0",
                                                               "variables": {"version": "1.0"}})
        self.assertEqual(r.status, 201, r.text)
        acts = {x["name"]: x["id"] for p in r.json()["phases"] for x in p["activities"]}
        self.assertEqual(api.request("POST", "/api/v1/activities/%d/result" % acts["build"],
                                     json_body={"result": "pass"}).status, 200)
        return acts["cab"]

    def vote(self, user, aid):
        return self.s.client(token=self.tokens[user]).request(
            "POST", "/api/v1/activities/%d/decision" % aid, json_body={"decision": "approve"}).status

    def status(self, aid):
        r = self.s.client(token=self.s.demo_token()).get("/api/v1/activities/%d" % aid)
        return r.json()["status"] if r.status == 200 else None

    def test_01_the_replica_takes_over_with_nothing_lost(self):
        done = []
        for _ in range(3):
            aid = self.gate()
            self.assertEqual(self.vote("u1", aid), 200)
            self.assertEqual(self.vote("u2", aid), 200)
            done.append(aid)
        waiting = self.gate()
        self.assertEqual(self.vote("u1", waiting), 200)
        head = self.s.cli("audit", "head").stdout.strip()
        # the primary is lost; an operator promotes the replica (README: Several nodes, failover)
        self.primary.kill()
        self.replica.promote()
        # the node finds the new primary by itself: the first requests may fail, then all work
        poll(lambda: self.status(waiting) == "on_hold", timeout=60, interval=0.5, what="the node on the promoted replica")
        for aid in done:
            self.assertEqual(self.status(aid), "completed")
        self.assertEqual(self.vote("u2", waiting), 200)
        self.assertEqual(self.status(waiting), "completed")
        self.assertEqual(self.vote("u1", waiting), 409)
        r = self.s.cli("audit", "verify", "--head", head)
        self.assertIn("intact", r.stdout)
        # what was committed before the loss is there once, and the chain goes on from it
        seq = int(head.split(":")[0])
        self.assertGreater(self.s.sql("SELECT max(seq) FROM audit_log")[0][0], seq)
        self.assertEqual(self.s.sql("SELECT count(*) FROM decisions WHERE activity_id=?", waiting)[0][0], 2)


@unittest.skipUnless(harness.on_postgres(), "copies into PostgreSQL (make check-postgres)")
class MigrateStoreTest(unittest.TestCase):
    """holdpoint migrate-store: a SQLite installation with decisions and a file, copied into an empty
    PostgreSQL database, verified there, refused a second time; the server then runs on the copy."""

    def test_01_copy_verify_refuse_twice_and_serve(self):
        base = os.environ["HOLDPOINT_TEST_POSTGRES_URL"]
        s = Server(env={"HOLDPOINT_DATABASE": ""}).start()          # SQLite in its data directory
        self.addCleanup(s.stop)
        api = s.client(token=s.demo_token())
        path = os.path.join(s.data, "capture.yaml")
        with open(path, "w") as f:
            f.write(CAPTURE_YAML)
        s.cli("template", "import", path)
        r = api.request("POST", "/api/v1/releases", json_body={"template": "capture", "name": "moved", "version": "1"})
        self.assertEqual(r.status, 201, r.text)
        acts = {x["name"]: x["id"] for p in r.json()["phases"] for x in p["activities"]}
        self.assertEqual(api.request("POST", "/api/v1/activities/%d/result" % acts["build"], json_body={"result": "pass"}).status, 200)
        data = b"the report that must survive the move\n"
        body, ctype = multipart([("field", None, b"report"), ("file", "report.txt", data)])
        r = api.request("POST", "/api/v1/activities/%d/evidence" % acts["signoff"], body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 201, r.text)
        evidence_id = r.json()["evidence"]["id"]
        counts = {t: s.sql("SELECT count(*) FROM %s" % t)[0][0] for t in ("users", "releases", "activities", "decisions", "evidence", "audit_log")}
        head = s.cli("audit", "head").stdout.strip()
        subprocess.run([os.path.join(harness.ROOT, "nginx", "localrun.sh"), "stop"], env=s.env, capture_output=True, timeout=120)

        name = "moved_%d" % os.getpid()
        harness.pg_admin(base, "CREATE DATABASE %s" % name)
        self.addCleanup(harness.pg_admin, base, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        url = base + name
        bad = s.cli("migrate-store", "--from", "sqlite:/nonexistent/holdpoint.db", "--to", url, check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("cannot read /nonexistent/holdpoint.db", bad.stderr)
        r = s.cli("migrate-store", "--to", url)
        self.assertIn("migrated:", r.stdout)
        self.assertIn("audit trail verified on PostgreSQL up to %s" % head, r.stdout)
        self.assertIn("1 evidence files checked", r.stdout)
        again = s.cli("migrate-store", "--to", url, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("not done twice", again.stderr)
        for table, n in counts.items():
            self.assertEqual(harness.pg_query(url, "SELECT count(*) FROM %s" % table, ()), [(n,)], table)

        # the same data directory (evidence, key) served from the PostgreSQL copy
        s.env["HOLDPOINT_DATABASE"] = url
        r = s.cli("backup", os.path.join(s.data, "a-backup"), check=False)     # SQLite's; refused with what to do
        self.assertEqual(r.returncode, 1)
        self.assertIn("pg_basebackup", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(s.data, "a-backup")))
        s.start()
        self.assertIn("intact", s.cli("audit", "verify", "--head", head).stdout)
        r = s.client(token=s.demo_token()).get("/api/v1/evidence/%d" % evidence_id)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, data)
        r = s.client(token=s.demo_token()).request("POST", "/api/v1/releases",
                                                   json_body={"template": "capture", "name": "after", "version": "2"})
        self.assertEqual(r.status, 201, r.text)                  # new ids follow the copied ones
        self.assertIn("intact", s.cli("audit", "verify").stdout)


if __name__ == "__main__":
    unittest.main()
