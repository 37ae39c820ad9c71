"""Every page runs a bounded number of SQL statements, the same with 3 releases as with 150.

The server counts the statements each response ran (HOLDPOINT_COUNT_STATEMENTS=1 adds
X-Holdpoint-Statements); these tests compare counts, never times (timings are `make bench`).
"""
import unittest

import harness

# No page may run more statements than this, whatever the data.
CEILING = 40


class StatementCountTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server(env={"HOLDPOINT_COUNT_STATEMENTS": "1"}).start()
        try:
            cls.people = {}
            cls.api = cls.server.client(token=cls.server.demo_token())
        except Exception:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def as_(self, username):
        if username not in self.people:
            c = self.server.client()
            c.login(username)
            self.people[username] = c
        return self.people[username]

    def count(self, who, path):
        """Statements run by GET path (the smaller of two runs: a session touch can add one)."""
        runs = []
        for _ in range(2):
            r = who.get(path)
            self.assertEqual(r.status, 200, "%s: %s" % (path, r.text[:300]))
            n = r.header("X-Holdpoint-Statements")
            self.assertIsNotNone(n, "no statement count on " + path)
            runs.append(int(n))
        return min(runs)

    def pages(self):
        """(name, client, path) of the pages measured, on the newest release."""
        rel = self.server.sql("SELECT max(id) FROM releases")[0][0]
        act = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='qa-signoff'", rel)[0][0]
        phase = self.server.sql("SELECT phase_id FROM activities WHERE id=?", act)[0][0]
        oldest = self.server.sql("SELECT min(id) FROM releases")[0][0]
        bob, carol, erin = self.as_("bob"), self.as_("carol"), self.as_("erin")
        return [
            ("release view", bob, "/releases/%d" % rel),
            ("activity view", bob, "/activities/%d" % act),
            ("phase view", bob, "/phases/%d" % phase),
            ("inbox, many waiting", bob, "/"),
            ("inbox, few waiting", carol, "/"),
            ("everything waiting", bob, "/?mine=0"),
            ("releases list", bob, "/releases"),
            ("releases list, deep page", bob, "/releases?older=%d" % (oldest + 2)),
            ("audit trail", erin, "/audit"),
            ("approvals log", erin, "/releases/%d/approvals" % rel),
            ("API release", self.api, "/api/v1/releases/%d" % rel),
            ("API approvals", self.api, "/api/v1/approvals?limit=50"),
            ("API approvals, mine", self.api, "/api/v1/approvals?mine=1&limit=50"),
        ]

    def measure(self):
        return {name: self.count(who, path) for name, who, path in self.pages()}

    def test_counts_bounded_and_independent_of_data(self):
        self.server.cli("seed-bench", "3", "0")
        small = self.measure()
        self.server.cli("seed-bench", "150", "5000")
        large = self.measure()
        for name, n in small.items():
            self.assertGreater(n, 0, name)
            self.assertLessEqual(n, CEILING, "%s runs %d statements" % (name, n))
        self.assertEqual(small, large, "statement counts that grow with the data")

    def test_counter_counts(self):
        # The header is real: a page that reads more runs more statements than the health check.
        health = int(self.server.client().get("/healthz").header("X-Holdpoint-Statements"))
        login = self.server.client().get("/login")
        self.assertIsNotNone(login.header("X-Holdpoint-Statements"))
        rel = self.server.sql("SELECT max(id) FROM releases")[0][0]
        release = self.count(self.as_("bob"), "/releases/%d" % rel)
        self.assertGreater(release, health)


if __name__ == "__main__":
    unittest.main()
