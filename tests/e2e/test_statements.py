"""Every page runs a bounded number of SQL statements, the same with 3 releases as with 150,
and does about the same work (SQLite's VM steps) with 150 releases as with 450.

The server counts the statements each response ran and SQLite's virtual-machine steps
(HOLDPOINT_COUNT_STATEMENTS=1 adds X-Holdpoint-Statements and X-Holdpoint-Steps); these tests
compare counts of work, never times (timings are `make bench`).
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

    def count(self, who, path, header="X-Holdpoint-Statements"):
        """Statements (or VM steps) of GET path, when the workers keep nothing (the smaller of two
        runs: a session touch can add one)."""
        runs = []
        for i in range(2):
            # A change from elsewhere first: what a worker keeps between requests (a count every
            # visitor shares) is read again, so the count is the page's whole work, whichever
            # worker answers.
            self.server.execute("INSERT INTO settings(key,value) VALUES('test.change',?)"
                                " ON CONFLICT(key) DO UPDATE SET value=excluded.value", (str(i),))
            r = who.get(path)
            self.assertEqual(r.status, 200, "%s: %s" % (path, r.text[:300]))
            n = r.header(header)
            self.assertIsNotNone(n, "no %s on %s" % (header, path))
            runs.append(int(n))
        return min(runs)

    def pages(self):
        """(name, client, path) of the pages measured, on the newest release."""
        rel = self.server.sql("SELECT max(id) FROM releases")[0][0]
        act = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='qa-signoff'", rel)[0][0]
        phase = self.server.sql("SELECT phase_id FROM activities WHERE id=?", act)[0][0]
        oldest = self.server.sql("SELECT min(id) FROM releases")[0][0]
        bob, carol, erin, alice = self.as_("bob"), self.as_("carol"), self.as_("erin"), self.as_("alice")
        return [
            ("release view", bob, "/releases/%d" % rel),
            ("activity view", bob, "/activities/%d" % act),
            ("phase view", bob, "/phases/%d" % phase),
            ("inbox, many waiting", bob, "/"),
            ("inbox, few waiting", carol, "/"),
            ("inbox, release manager", alice, "/"),        # also lists the releases waiting for a retry
            ("everything waiting", bob, "/?mine=0"),
            ("releases list", bob, "/releases"),
            ("releases list, deep page", bob, "/releases?older=%d" % (oldest + 2)),
            ("audit trail", erin, "/audit"),
            ("approvals log", erin, "/releases/%d/approvals" % rel),
            ("API release", self.api, "/api/v1/releases/%d" % rel),
            ("API approvals", self.api, "/api/v1/approvals?limit=50"),
            ("API approvals, mine", self.api, "/api/v1/approvals?mine=1&limit=50"),
        ]

    def measure(self, header="X-Holdpoint-Statements"):
        return {name: self.count(who, path, header) for name, who, path in self.pages()}

    def test_counts_bounded_and_independent_of_data(self):
        self.server.cli("seed-bench", "3", "0")
        small = self.measure()
        insights_small = self.count(self.as_("erin"), "/insights")
        self.server.cli("seed-bench", "150", "5000")
        large = self.measure()
        # the insights read a period's activities (their work grows with them), in a fixed number of statements
        insights_large = self.count(self.as_("erin"), "/insights")
        self.assertEqual(insights_small, insights_large)
        self.assertLessEqual(insights_large, CEILING)
        for name, n in small.items():
            self.assertGreater(n, 0, name)
            self.assertLessEqual(n, CEILING, "%s runs %d statements" % (name, n))
        self.assertEqual(small, large, "statement counts that grow with the data")
        # Work, not just statements: with three times the releases (and three times as much
        # waiting for bob), every page reads about as many rows.  A query that starts from
        # the person instead of the page's release reads all their rows and fails this.
        steps = self.measure("X-Holdpoint-Steps")
        self.server.cli("seed-bench", "300", "10000")
        steps3 = self.measure("X-Holdpoint-Steps")
        for name, n in steps.items():
            self.assertLessEqual(steps3[name], n * 1.25 + 1000,
                                 "%s: %d VM steps with 150 releases, %d with 450" % (name, n, steps3[name]))

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
