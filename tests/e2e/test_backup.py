"""test_backup.py — holdpoint backup / restore: a copy made while people keep working, which proves itself."""
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

import harness
from harness import ServerTestCase, poll
from test_evidence import make_pdf


@harness.sqlite_only("holdpoint backup copies the SQLite file; PostgreSQL is backed up with its own tools")
class BackupTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="holdpoint-e2e-backup-")
        cls.api = cls.server.client(token=cls.server.demo_token())
        cls.bob = cls.server.client(token=cls.server.cli("token", "create", "--user", "bob", "--name", "b").stdout.strip())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def release_at_qa(self, i):
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "delivery", "name": "storm-%d" % i, "version": "1.%d" % i,
            "variables": {"image": "registry/storm:%d" % i, "version": "1.%d" % i}})
        self.assertEqual(r.status, 201, r.text)
        acts = {a["name"]: a["id"] for p in r.json()["phases"] for a in p["activities"]}
        self.assertEqual(self.api.request("POST", "/api/v1/activities/%d/result" % acts["deploy-qa"],
                                          json_body={"result": "pass"}).status, 200)
        return acts["qa-signoff"]

    def upload(self, act, i):
        from test_evidence import multipart
        body, ctype = multipart([("field", None, b"report"), ("file", "storm-%d.pdf" % i, make_pdf("storm %d" % i))])
        return self.bob.request("POST", "/api/v1/activities/%d/evidence" % act, body=body, headers={"Content-Type": ctype})

    def counts(self, db):
        import sqlite3
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            return {t: c.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                    for t in ("releases", "decisions", "evidence", "audit_log", "inputs", "users")}
        finally:
            c.close()

    def test_01_backup_during_a_write_storm_restores_with_nothing_lost(self):
        # a few files before the storm, so the backup surely has evidence
        for i in range(3):
            self.assertEqual(self.upload(self.release_at_qa(i), i).status, 201)
        stop = threading.Event()
        errors = []
        done = [0]

        def storm():
            i = 100
            while not stop.is_set():
                try:
                    act = self.release_at_qa(i)
                    r = self.upload(act, i)
                    if r.status != 201:
                        errors.append(r.text)
                    done[0] += 1
                except Exception as e:          # noqa: BLE001 — reported below
                    errors.append(repr(e))
                i += 1
        t = threading.Thread(target=storm)
        t.start()
        try:
            poll(lambda: done[0] >= 2, what="the storm under way")
            dest = os.path.join(self.tmp, "backup-1")
            r = self.server.cli("backup", dest)
            self.assertIn("backed up:", r.stdout)
            poll(lambda: done[0] >= 4, what="the storm going on after the backup")
        finally:
            stop.set()
            t.join(120)
        self.assertEqual(errors, [])
        manifest = open(os.path.join(dest, "MANIFEST")).read().splitlines()
        self.assertEqual(manifest[0], "holdpoint-backup 1")
        head = [l for l in manifest if l.startswith("audit-head ")][0].split()[1]
        files = {l.split()[2]: (l.split()[0], int(l.split()[1])) for l in manifest[3:]}
        self.assertIn("holdpoint.db", files)
        self.assertIn("keys/audit.key", files)
        backed = self.counts(os.path.join(dest, "holdpoint.db"))
        self.assertGreaterEqual(backed["evidence"], 3)
        live = self.counts(os.path.join(self.server.data, "holdpoint.db"))
        self.assertGreater(live["evidence"], backed["evidence"])         # the storm went on while it copied
        # every evidence file the snapshot refers to is in the backup, with its content hash
        stored = self.server.sql("SELECT DISTINCT stored_path, sha256 FROM evidence")
        import sqlite3
        c = sqlite3.connect(os.path.join(dest, "holdpoint.db"))
        in_backup = c.execute("SELECT DISTINCT stored_path, sha256 FROM evidence").fetchall()
        c.close()
        self.assertTrue(set(in_backup) <= set(stored))
        for path, sha in in_backup:
            self.assertEqual(files[path][0], sha)
            with open(os.path.join(dest, path), "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha)
        self.assertEqual(self.server.cli("backup", "verify", dest).returncode, 0)

        # restore into a fresh data directory, serve it, and find everything the backup had
        target = harness.Server(seed=False)
        r = subprocess.run([harness.HOLDPOINT, "restore", dest], env=target.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("audit trail intact up to " + head, r.stdout)
        target.start()
        try:
            self.assertEqual(self.counts(os.path.join(target.data, "holdpoint.db")), backed)
            self.assertEqual(target.cli("audit", "verify", "--head", head).returncode, 0)
            erin = target.client()
            erin.login("erin")
            ev_id, sha = target.sql("SELECT id, sha256 FROM evidence ORDER BY id LIMIT 1")[0]
            r = erin.get("/evidence/%d" % ev_id)
            self.assertEqual(r.status, 200)
            self.assertEqual(hashlib.sha256(r.body).hexdigest(), sha)
            # restoring over a database needs --replace, and a running server is never replaced
            r = subprocess.run([harness.HOLDPOINT, "restore", dest, "--replace"], env=target.env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 1)
            self.assertIn("is running", r.stderr)
            subprocess.run([os.path.join(harness.ROOT, "nginx", "localrun.sh"), "stop"], env=target.env,
                           capture_output=True, timeout=120)
            r = subprocess.run([harness.HOLDPOINT, "restore", dest], env=target.env, capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 1)
            self.assertIn("already holds a database", r.stderr)
            r = subprocess.run([harness.HOLDPOINT, "restore", dest, "--replace"], env=target.env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue([d for d in os.listdir(target.data) if d.startswith("replaced-")])
        finally:
            target.stop()

    def test_02_a_damaged_backup_is_refused_before_anything_is_replaced(self):
        self.assertEqual(self.upload(self.release_at_qa(50), 50).status, 201)
        dest = os.path.join(self.tmp, "backup-2")
        self.server.cli("backup", dest)
        self.assertNotEqual(self.server.cli("backup", dest, check=False).returncode, 0)   # never into a used directory
        ev = [l.split()[2] for l in open(os.path.join(dest, "MANIFEST")) if " evidence/" in l][0]
        cases = []
        # one changed byte in a file
        bad = os.path.join(self.tmp, "bad-file")
        shutil.copytree(dest, bad)
        with open(os.path.join(bad, ev), "r+b") as f:
            f.seek(10)
            f.write(b"X")
        cases.append((bad, ev))
        # a trail cut short, with a manifest rewritten to match the database (but not the head)
        cut = os.path.join(self.tmp, "bad-trail")
        shutil.copytree(dest, cut)
        import sqlite3
        c = sqlite3.connect(os.path.join(cut, "holdpoint.db"))
        for (trigger,) in c.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'").fetchall():
            c.execute('DROP TRIGGER "%s"' % trigger)          # what someone with the file could do
        c.execute("DELETE FROM audit_log WHERE seq=(SELECT max(seq) FROM audit_log)")
        c.commit()
        c.close()
        lines = open(os.path.join(cut, "MANIFEST")).read().splitlines()
        with open(os.path.join(cut, "holdpoint.db"), "rb") as f:
            data = f.read()
        lines = [("%s %d holdpoint.db" % (hashlib.sha256(data).hexdigest(), len(data))) if l.endswith(" holdpoint.db") else l
                 for l in lines]
        with open(os.path.join(cut, "MANIFEST"), "w") as f:
            f.write("\n".join(lines) + "\n")
        cases.append((cut, "audit trail"))
        # a missing file
        gone = os.path.join(self.tmp, "bad-missing")
        shutil.copytree(dest, gone)
        os.unlink(os.path.join(gone, ev))
        cases.append((gone, "missing"))
        for path, words in cases:
            with self.subTest(case=words):
                target = harness.Server(seed=False)
                try:
                    r = subprocess.run([harness.HOLDPOINT, "restore", path], env=target.env, capture_output=True,
                                       text=True, timeout=120)
                    self.assertEqual(r.returncode, 1)
                    self.assertIn(words, r.stderr)
                    self.assertFalse(os.path.exists(os.path.join(target.data, "holdpoint.db")), "restored anyway")
                finally:
                    shutil.rmtree(target.data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
