"""test_mayact.py — one truth for who may act, through nginx, the workers and SQLite.

For every person and every activity on hold, on the demo data and on a generated release
(ordered rules, a rule only the starter fills, a delegation, a manual task): the API inbox,
the browser inbox, the activity page, the release page and the decision handler agree.
Then revocation (a person removed from the approving team loses the activity at once and
gets 403), the barred starter, and a failed phase that freezes what is left in it.
"""
import datetime
import re

from harness import ServerTestCase

AGREE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: agree
description: Generated shapes for the agreement test.
on_reject: fail_phase
phases:
  - name: gates
    activities:
      - name: ordered-gate
        type: approval
        approvers:
          rules:
            - {team: sre, min: 1}
            - {team: product, min: 1}
          mode: all
          ordered: true
      - name: starter-gate
        type: approval
        approvers:
          rules:
            - {role: release_manager, min: 1}
            - {team: qa, min: 1}
          mode: any
      - name: task
        type: manual
        responsible: {team: dba}
"""

TWICE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: twice
description: One gate two groups may pass.
phases:
  - name: gates
    activities:
      - name: either
        type: approval
        approvers:
          rules: [{team: qa, min: 1}, {team: sre, min: 1}]
          mode: any
"""

FREEZE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: freeze
description: Two branches in one phase.
on_reject: fail_phase
phases:
  - name: prod
    activities:
      - name: gate
        type: approval
        approvers:
          rules: [{team: sre, min: 1}]
      - name: other
        type: manual
        responsible: {team: dba}
"""

PEOPLE = ("admin", "alice", "bob", "carol", "dave", "erin")


def main_html(resp):
    m = re.search(r"<main[^>]*>(.*)</main>", resp.text, re.S)
    assert m, "no <main> in the page"
    return m.group(1)


def inbox_ids(resp):
    return {int(x) for x in re.findall(r'<tr>.*?href="/activities/(\d+)"', main_html(resp), re.S)}


class WhoMayActTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.tokens = {p: s.cli("token", "create", "--user", p, "--name", "agree").stdout.strip() for p in PEOPLE}
        cls.browsers = {}
        cls.names = dict(s.sql("SELECT username, display_name FROM users"))
        cls.ids = dict(s.sql("SELECT username, id FROM users"))
        for name, text in (("agree", AGREE), ("freeze", FREEZE), ("twice", TWICE)):
            path = s.data + "/" + name + ".yaml"
            with open(path, "w") as f:
                f.write(text)
            s.cli("template", "import", path)

    def browser(self, who):
        if who not in self.browsers:
            self.browsers[who] = self.login(who)
        return self.browsers[who]

    def api(self, who):
        return self.client(token=self.tokens[who])

    def mine_one_at_a_time(self, who):
        """The ids of GET /api/v1/approvals?mine=1, read one a page by following "next"."""
        seen, after = [], None
        for _ in range(100):
            r = self.api(who).get("/api/v1/approvals?mine=1&limit=1" + ("&after=" + after if after else ""))
            self.assertEqual(r.status, 200, r.text[:300])
            seen += [a["id"] for a in r.json()["approvals"]]
            after = r.json()["next"]
            if after is None:
                return seen
        self.fail("more than 100 pages of one")

    def start(self, template, name):
        r = self.api("alice").request("POST", "/api/v1/releases", json_body={
            "template": template, "name": name, "version": "1.0", "variables": {}})
        self.assertEqual(r.status, 201, r.text[:500])
        return r.json()["id"]

    def on_hold(self):
        return [tuple(x) for x in self.server.sql(
            "SELECT a.id, a.release_id, a.kind FROM activities a JOIN phases p ON p.id=a.phase_id"
            " JOIN releases r ON r.id=a.release_id WHERE a.status='on_hold' AND p.status<>'failed'"
            " AND r.status IN ('running','on_hold') ORDER BY a.id")]

    def views_of(self, who):
        """Every reader's answer for this person: {activity id: (api, inbox, activity page, release page)}."""
        api = {a["id"] for a in self.api(who).get("/api/v1/approvals?status=pending&mine=1").json()["approvals"]}
        b = self.browser(who)
        inbox = inbox_ids(b.get("/?mine=1"))
        out = {}
        releases = {}                     # each release page once per person
        for aid, rid, _ in self.on_hold():
            page = main_html(b.get("/activities/%d" % aid))
            if rid not in releases:
                releases[rid] = main_html(b.get("/releases/%d" % rid))
            rel = releases[rid]
            callout = re.search(r'<div class="notice callout" role="status">(.*?)</div>', rel, re.S)
            on_release = bool(callout) and ('href="/activities/%d"' % aid) in callout.group(1)
            out[aid] = (aid in api, aid in inbox, "This activity requires your input" in page, on_release)
        return out

    def assert_agreement(self):
        truth = {}
        for who in PEOPLE:
            views = self.views_of(who)
            for aid, v in views.items():
                self.assertIn(v, ((True,) * 4, (False,) * 4),
                              "%s on activity %d: api, inbox, activity page, release page say %r" % (who, aid, v))
                truth[(who, aid)] = v[0]
        # the release page's "waiting for" names exactly the people who may act, as seen by someone
        # who acts on nothing in that release (else their own activities are left out of the sentence)
        checked = 0
        for rid in sorted({r for _, r, _ in self.on_hold()}):
            acts = [aid for aid, r, _ in self.on_hold() if r == rid]
            observers = [w for w in PEOPLE if not any(truth[(w, aid)] for aid in acts)]
            if not observers:
                continue
            html = main_html(self.browser(observers[0]).get("/releases/%d" % rid))
            waiting = re.search(r'<p class="notice" role="status">([^<]*waiting for[^<]*)</p>', html)
            for who in PEOPLE:
                may = any(truth[(who, aid)] for aid in acts)
                named = bool(waiting) and self.names[who] in waiting.group(1)
                self.assertEqual(may, named, "release %d: %s may act %s but is named %s" % (rid, who, may, named))
            checked += 1
        self.assertGreater(checked, 0)
        # the decision handler refuses everyone the views leave out, and writes nothing
        for (who, aid), may in truth.items():
            kind = [k for a, _, k in self.on_hold() if a == aid][0]
            if may:
                continue
            before = self.server.sql("SELECT count(*) FROM decisions")[0][0]
            if kind == "manual":
                b = self.browser(who)
                b.get("/activities/%d" % aid)
                r = b.post("/activities/%d/take" % aid, {})
            else:
                r = self.api(who).request("POST", "/api/v1/activities/%d/decision" % aid,
                                          json_body={"decision": "approve", "comment": ""})
            self.assertIn(r.status, (403, 409), "%s on %d: %d %s" % (who, aid, r.status, r.text[:200]))
            self.assertEqual(self.server.sql("SELECT count(*) FROM decisions")[0][0], before)
        return truth

    def test_01_every_reader_agrees_on_demo_and_generated_data(self):
        rid = self.start("agree", "agree-svc")
        bob_id = self.ids["bob"]
        today = datetime.datetime.now(datetime.timezone.utc).date()
        r = self.browser("bob").post("/me/delegation", {"delegate": "erin", "starts": str(today - datetime.timedelta(days=1)),
                                                        "ends": str(today + datetime.timedelta(days=7))})
        self.assertEqual(r.status, 303, r.text[:500])
        truth = self.assert_agreement()
        ordered = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='ordered-gate'", rid)[0][0]
        starter = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='starter-gate'", rid)[0][0]
        task = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='task'", rid)[0][0]
        # ordered: product's turn has not come; the starter fills no rule; the delegate acts for bob
        self.assertTrue(truth[("carol", ordered)])
        self.assertFalse(truth[("dave", ordered)])
        self.assertFalse(truth[("alice", starter)])
        self.assertTrue(truth[("bob", starter)])
        self.assertTrue(truth[("erin", starter)])
        self.assertTrue(truth[("carol", task)])
        # one positive answer per kind from the decision handler, then everything agrees again
        r = self.api("carol").request("POST", "/api/v1/activities/%d/decision" % ordered,
                                      json_body={"decision": "approve", "comment": "sre ok"})
        self.assertEqual(r.status, 200, r.text[:300])
        r = self.api("erin").request("POST", "/api/v1/activities/%d/decision" % starter,
                                     json_body={"decision": "approve", "comment": "for bob", "acting_for": "bob"})
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(self.server.sql("SELECT user_id FROM decisions WHERE activity_id=?", starter), [(bob_id,)])
        truth = self.assert_agreement()
        self.assertTrue(truth[("dave", ordered)])            # product's turn now
        self.assertFalse(truth[("carol", ordered)])          # carol voted
        carol = self.browser("carol")
        r = carol.post("/activities/%d/take" % task, {})
        self.assertEqual(r.status, 303, r.text[:300])
        truth = self.assert_agreement()
        self.assertTrue(truth[("carol", task)])

    def test_02_removed_team_member_loses_the_activity_at_once(self):
        rid = self.start("freeze", "revoke-svc")
        gate = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='gate'", rid)[0][0]
        self.assertIn(gate, {a["id"] for a in self.api("carol").get("/api/v1/approvals?mine=1").json()["approvals"]})
        sre = self.server.sql("SELECT id FROM teams WHERE name='sre'")[0][0]
        admin = self.browser("admin")
        admin.get("/admin/teams")
        r = admin.post("/admin/teams/%d/members/%d/remove" % (sre, self.ids["carol"]), {})
        self.assertEqual(r.status, 303, r.text[:300])
        try:
            self.assertNotIn(gate, {a["id"] for a in self.api("carol").get("/api/v1/approvals?mine=1").json()["approvals"]})
            self.assertNotIn(gate, inbox_ids(self.browser("carol").get("/?mine=1")))
            r = self.api("carol").request("POST", "/api/v1/activities/%d/decision" % gate,
                                          json_body={"decision": "approve", "comment": ""})
            self.assertEqual(r.status, 403, r.text[:300])
            self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", gate)[0][0], 0)
            audit = self.server.sql("SELECT details_json FROM audit_log WHERE action='eligibility.revoke' AND object_id=?", gate)
            self.assertEqual(len(audit), 1)
            self.assertIn('"group":"sre"', audit[0][0].replace(" ", ""))
            # nobody else is in sre: the release says no one can act
            rel = main_html(self.browser("erin").get("/releases/%d" % rid))
            self.assertIn("no one can act on it", rel)
        finally:
            r = admin.post("/admin/teams/%d/members" % sre, {"username": "carol"})
            self.assertEqual(r.status, 303, r.text[:300])

    def test_03_starter_is_not_waited_for(self):
        # alice (release manager) starts a release whose gate a release manager may approve
        rid = self.start("agree", "starter-svc")
        gate = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='starter-gate'", rid)[0][0]
        self.assertNotIn(gate, {a["id"] for a in self.api("alice").get("/api/v1/approvals?mine=1").json()["approvals"]})
        rel = main_html(self.browser("erin").get("/releases/%d" % rid))
        self.assertNotIn("Alice Manager", re.search(r"waiting for[^<]*", rel).group(0))
        for decision in ("approve", "reject"):
            r = self.api("alice").request("POST", "/api/v1/activities/%d/decision" % gate,
                                          json_body={"decision": decision, "comment": "mine"})
            self.assertEqual(r.status, 403, r.text[:300])
            self.assertIn("started this release", r.json()["error"]["message"])

    def test_04_failed_phase_freezes_what_is_left_in_it(self):
        rid = self.start("freeze", "freeze-svc")
        gate = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='gate'", rid)[0][0]
        other = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='other'", rid)[0][0]
        r = self.api("carol").request("POST", "/api/v1/activities/%d/decision" % gate,
                                      json_body={"decision": "reject", "comment": "not today"})
        self.assertEqual(r.status, 200, r.text[:300])
        carol = self.browser("carol")
        self.assertNotIn(other, inbox_ids(carol.get("/?mine=1")))
        r = carol.post("/activities/%d/take" % other, {})
        self.assertEqual(r.status, 409, r.text[:300])
        self.assertIn("phase has failed", r.text)
        pid = self.server.sql("SELECT phase_id FROM activities WHERE id=?", other)[0][0]
        phase = main_html(carol.get("/phases/%d" % pid))
        self.assertIn("frozen until the phase is retried", phase)
        self.assertNotIn("manual task waiting", phase)
        rel = main_html(carol.get("/releases/%d" % rid))
        self.assertNotIn("1 waiting", rel)
        # the release manager's inbox lists the release as waiting for a retry or an abort
        inbox = main_html(self.browser("alice").get("/"))
        self.assertIn("Releases waiting for a retry or an abort", inbox)
        stuck = inbox[inbox.index("Releases waiting for a retry"):]
        self.assertIn('href="/releases/%d"' % rid, stuck)
        self.assertIn("gate did not pass", stuck)
        self.assertNotIn("Releases waiting for a retry", main_html(carol.get("/")))
        # a retry thaws it
        r = self.browser("alice").post("/releases/%d/retry" % rid, {"activity": str(gate)})
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertIn(other, inbox_ids(carol.get("/?mine=1")))
        self.assertEqual(carol.post("/activities/%d/take" % other, {}).status, 303)
        inbox = main_html(self.browser("alice").get("/"))
        self.assertNotIn('href="/releases/%d"' % rid, inbox[inbox.index("Releases waiting for a retry"):])

    def test_05_a_vote_cast_stays_counted_after_its_voter_leaves(self):
        rid = self.start("agree", "left-svc")
        ordered = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='ordered-gate'", rid)[0][0]
        r = self.api("carol").request("POST", "/api/v1/activities/%d/decision" % ordered,
                                      json_body={"decision": "approve", "comment": "sre ok"})
        self.assertEqual(r.status, 200, r.text[:300])
        sre = self.server.sql("SELECT id FROM teams WHERE name='sre'")[0][0]
        admin = self.browser("admin")
        admin.get("/admin/teams")
        self.assertEqual(admin.post("/admin/teams/%d/members/%d/remove" % (sre, self.ids["carol"]), {}).status, 303)
        try:
            page = main_html(self.browser("erin").get("/activities/%d" % ordered))
            self.assertIn("has left this group since; the vote still counts", page)
            self.assertIn("Met", page)
            # the rule stays met: product's turn is open, dave may act
            self.assertIn(ordered, {a["id"] for a in self.api("dave").get("/api/v1/approvals?mine=1").json()["approvals"]})
        finally:
            self.assertEqual(admin.post("/admin/teams/%d/members" % sre, {"username": "carol"}).status, 303)

    def test_06_one_activity_by_two_rights_is_listed_once(self):
        # carol may pass the gate herself (sre) and for bob (qa), who delegates to her: two rows
        # of may_act for one activity; the inbox and the API list it once, and pages stay whole
        firsts = [self.start("twice", "twice-%d" % i) for i in range(3)]
        gates = [self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='either'", rid)[0][0]
                 for rid in firsts]
        today = datetime.datetime.now(datetime.timezone.utc).date()
        r = self.browser("bob").post("/me/delegation", {"delegate": "carol", "starts": str(today - datetime.timedelta(days=1)),
                                                        "ends": str(today + datetime.timedelta(days=7))})
        self.assertEqual(r.status, 303, r.text[:500])
        for g in gates:
            self.assertEqual(self.server.sql("SELECT count(*) FROM may_act WHERE activity_id=? AND user_id=?",
                                             g, self.ids["carol"])[0][0], 2)
        api = [a["id"] for a in self.api("carol").get("/api/v1/approvals?mine=1").json()["approvals"]]
        self.assertEqual(len(api), len(set(api)), api)
        for g in gates:
            self.assertIn(g, api)
        html = main_html(self.browser("carol").get("/?mine=1"))
        rows = [int(x) for x in re.findall(r'<tr>.*?href="/activities/(\d+)"', html, re.S)]
        self.assertEqual(len(rows), len(set(rows)), rows)
        for g in gates:
            self.assertIn(g, rows)
        # one at a time through the API's pages: every gate once, none lost at a page's edge
        self.assertEqual(sorted(self.mine_one_at_a_time("carol")), sorted(api))

    def test_07_many_rights_to_one_activity_cut_no_page_short_of_an_activity(self):
        # ten more rows of may_act for carol on the first gate (as if ten people delegated to her):
        # a page of one reads at most a few rows; the next page still starts after that gate
        api = [a["id"] for a in self.api("carol").get("/api/v1/approvals?mine=1").json()["approvals"]]
        first = api[0]
        row = self.server.sql_dicts("SELECT * FROM may_act WHERE activity_id=? AND user_id=? LIMIT 1",
                                    first, self.ids["carol"])[0]
        for k in range(10):
            self.server.execute("INSERT INTO may_act(activity_id, round, user_id, for_user_id, reason, from_at,"
                                " until_at, due_at, since_at) VALUES(?,?,?,?,?,?,?,?,?)",
                                (first, row["round"], row["user_id"], row["for_user_id"], "delegation", 1 + k,
                                 row["until_at"], row["due_at"], row["since_at"]))
        try:
            self.assertEqual(self.mine_one_at_a_time("carol"), api)
            html = main_html(self.browser("carol").get("/?mine=1"))
            rows = [int(x) for x in re.findall(r'<tr>.*?href="/activities/(\d+)"', html, re.S)]
            self.assertEqual(rows, api[:len(rows)])
            self.assertEqual(len(rows), len(set(rows)))
        finally:
            self.server.execute("DELETE FROM may_act WHERE activity_id=? AND user_id=? AND from_at BETWEEN 1 AND 10",
                                (first, self.ids["carol"]))
