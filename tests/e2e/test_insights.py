"""test_insights.py — where releases wait and how people approve (issue 18, part 2), through nginx.

Times come from the server's clock moved by the test: time on hold, time to the first vote, opening to
deciding; the signals (decided within seconds of opening, evidence not opened, one person approving
most of a team's gates) appear for what deserves them and not for the rest.
"""
import os

from harness import ServerTestCase
from test_approvals import multipart

GATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: insight-gate
description: QA signs off, then SRE lets it go.
phases:
  - name: p
    activities:
      - name: signoff
        type: approval
        approvers:
          rules: [{team: qa, min: 1}]
      - name: go
        type: approval
        depends_on: [signoff]
        approvers:
          rules: [{team: sre, min: 1}]
        fields:
          - {key: report, label: Report, type: file, required: false, accept: [text/plain], max_size: 1MB}
"""

SOLO = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: solo
description: One QA gate.
phases:
  - name: p
    activities:
      - name: check
        type: approval
        approvers:
          rules: [{team: qa, min: 1}]
"""


class InsightsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        for name, text in (("insight-gate", GATE), ("solo", SOLO)):
            path = os.path.join(s.data, name + ".yaml")
            with open(path, "w") as f:
                f.write(text)
            s.cli("template", "import", path)
        cls.api = s.client(token=s.demo_token())
        cls.bob_token = s.cli("token", "create", "--user", "bob", "--name", "i").stdout.strip()
        cls.build_history()

    @classmethod
    def start(cls, template, name):
        r = cls.api.request("POST", "/api/v1/releases", json_body={"template": template, "name": name, "version": "1"})
        assert r.status == 201, r.text
        rid = r.json()["id"]
        return rid, dict(cls.server.sql("SELECT name, id FROM activities WHERE release_id=?", rid))

    @classmethod
    def decide_in_browser(cls, who, aid, wait_s, download=False, password=None):
        c = cls.server.client()
        c.login(who)
        page = c.get("/activities/%d" % aid)
        assert "This activity requires your input" in page.text, page.text[:300]
        if download:
            eid = cls.server.sql("SELECT id FROM evidence WHERE activity_id=?", aid)[0][0]
            assert c.get("/evidence/%d" % eid).status == 200
        if wait_s:
            cls.server.advance_clock(wait_s)
        r = c.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "ok"})
        assert r.status == 303, r.text[:300]

    @classmethod
    def upload(cls, aid):
        body, ctype = multipart({"field": "report"}, "file", "report.txt", b"all good\n", "text/plain")
        r = cls.api.request("POST", "/api/v1/activities/%d/evidence" % aid, body=body, headers={"Content-Type": ctype})
        assert r.status in (200, 201), r.text

    @classmethod
    def build_history(cls):
        # release A: bob takes 120 s; the evidence arrives and carol approves at once without opening it
        _, a = cls.start("insight-gate", "alpha")
        cls.decide_in_browser("bob", a["signoff"], 120)
        cls.upload(a["go"])
        cls.decide_in_browser("carol", a["go"], 0)
        # release B: bob takes 300 s; carol opens the evidence and decides 30 s later
        _, b = cls.start("insight-gate", "beta")
        cls.decide_in_browser("bob", b["signoff"], 300)
        cls.upload(b["go"])
        cls.decide_in_browser("carol", b["go"], 30, download=True)
        cls.a, cls.b = a, b
        # five gates of team qa, all approved by bob through the API
        bob = cls.server.client(token=cls.bob_token)
        for i in range(5):
            _, s = cls.start("solo", "solo-%d" % i)
            r = bob.request("POST", "/api/v1/activities/%d/decision" % s["check"], json_body={"decision": "approve"})
            assert r.status == 200, r.text

    def insights(self, query=""):
        r = self.api.get("/api/v1/insights" + query)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def test_01_time_on_hold_and_to_the_first_vote(self):
        j = self.insights("?template=insight-gate")
        rows = {x["activity"]: x for x in j["activities"]}
        self.assertEqual(set(rows), {"signoff", "go"})
        so = rows["signoff"]
        self.assertEqual(so["decided"], 2)
        self.assertTrue(120 <= so["on_hold_p50_s"] <= 122, so)          # nearest rank of (120, 300)
        self.assertTrue(300 <= so["on_hold_p90_s"] <= 302, so)
        self.assertEqual(so["on_hold_max_s"], so["on_hold_p90_s"])
        self.assertTrue(120 <= so["first_vote_p50_s"] <= 122, so)
        self.assertEqual(j["summary"]["decided"], 4)
        self.assertEqual((so["expired"], so["escalated"], so["rejected"], so["retried"]), (0, 0, 0, 0))
        teams = {t["team"]: t for t in j["teams"]}
        self.assertEqual(teams["qa"]["decided"], 2)
        self.assertEqual(teams["sre"]["decided"], 2)
        # another template, and all of them (the demo data's decisions among them)
        self.assertEqual(self.insights("?template=solo")["summary"]["decided"], 5)
        self.assertGreaterEqual(self.insights()["summary"]["decided"], 9)

    def test_02_how_people_decide(self):
        people = {p["user"]: p for p in self.insights("?template=insight-gate")["approvers"]}
        self.assertEqual(people["bob"]["decisions"], 2)
        self.assertEqual(people["bob"]["approvals"], 2)
        self.assertTrue(120 <= people["bob"]["open_to_decide_p50_s"] <= 122, people["bob"])
        self.assertEqual(people["carol"]["decisions"], 2)
        self.assertLessEqual(people["carol"]["open_to_decide_p50_s"], 2)     # nearest rank of (0, 30)
        solo = {p["user"]: p for p in self.insights("?template=solo")["approvers"]}
        self.assertEqual(list(solo), ["bob"])
        self.assertEqual(solo["bob"]["decisions"], 5)
        self.assertIsNone(solo["bob"]["open_to_decide_p50_s"])             # decided through the API: never opened

    def test_03_signals(self):
        sig = self.insights()["signals"]
        kinds = sorted((x["kind"], x.get("user"), x.get("activity_id") or x.get("team")) for x in sig)
        self.assertIn(("quick", "carol", self.a["go"]), kinds)
        self.assertIn(("evidence_unopened", "carol", self.a["go"]), kinds)
        self.assertIn(("one_approver", "bob", "qa"), kinds)
        # not for beta: carol opened the evidence and took 30 s; not for bob's slow sign-offs
        self.assertNotIn(("quick", "carol", self.b["go"]), kinds)
        self.assertNotIn(("evidence_unopened", "carol", self.b["go"]), kinds)
        self.assertFalse([k for k in kinds if k[0] == "quick" and k[1] == "bob"])
        self.assertFalse([k for k in kinds if k[0] == "one_approver" and k[2] == "sre"])    # 2 approvals only

    def test_04_the_page_the_csv_and_who_may_see_them(self):
        erin = self.login("erin")
        page = erin.get("/insights")
        self.assertEqual(page.status, 200)
        self.assertIn("Where releases wait", page.text)
        self.assertEqual(page.text.count('<svg class="chart"'), 1)
        self.assertEqual(page.text.count('class="p50"'), len(self.insights()["activities"]))   # a bar per activity
        self.assertIn("Evidence not opened", page.text)
        self.assertIn("never verdicts", page.text)
        self.assertIn('href="/insights"', page.text)                    # in the navigation
        csv = erin.get("/insights/signals.csv")
        self.assertEqual(csv.status, 200)
        self.assertTrue(csv.text.startswith("kind,user,name,activity"))
        self.assertIn("evidence_unopened,carol", csv.text)
        self.assertTrue(self.server.sql("SELECT count(*) FROM audit_log WHERE action='insights.export'")[0][0] >= 1)
        dave = self.login("dave")
        self.assertEqual(dave.get("/insights").status, 403)
        self.assertNotIn('href="/insights"', dave.get("/").text)

    def test_05_bad_periods_are_refused_and_an_empty_one_is_said(self):
        erin = self.login("erin")
        r = erin.get("/insights?from=2026-13-01")
        self.assertEqual(r.status, 422)
        self.assertIn("Enter the first day as YYYY-MM-DD", r.text)
        r = erin.get("/insights?from=2026-03-02&to=2026-03-01")
        self.assertEqual(r.status, 422)
        self.assertIn("before the first day", r.text)
        r = erin.get("/insights?from=2020-01-01&to=2026-01-01")
        self.assertEqual(r.status, 422)
        self.assertIn("at most a year", r.text)
        self.assertEqual(self.api.get("/api/v1/insights?to=nope").status, 422)
        r = erin.get("/insights?from=2000-01-01&to=2000-01-31")
        self.assertEqual(r.status, 200)
        self.assertIn("Nothing decided by people finished in this period.", r.text)
        self.assertIn("No signals in this period.", r.text)

    def test_06_figures_kept_by_a_worker_follow_every_change(self):
        """A worker keeps the figures while the database does not change: a change made elsewhere
        (here straight into the database) shows on the next request, on every worker."""
        for _ in range(6):
            people = {p["user"]: p for p in self.insights("?template=solo")["approvers"]}
            self.assertEqual(people["bob"]["name"], "Bob Tester")
        uid = self.server.sql("SELECT id FROM users WHERE username='bob'")[0][0]
        self.server.execute("UPDATE users SET display_name='Bob Renamed' WHERE id=?", (uid,))
        try:
            for _ in range(6):
                people = {p["user"]: p for p in self.insights("?template=solo")["approvers"]}
                self.assertEqual(people["bob"]["name"], "Bob Renamed")
            # another period is not the kept one
            self.assertEqual(self.insights("?template=solo&from=2000-01-01&to=2000-01-31")["approvers"], [])
        finally:
            self.server.execute("UPDATE users SET display_name='Bob Approver' WHERE id=?", (uid,))
