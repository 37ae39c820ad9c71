"""test_views.py — the monitoring views through the real stack: inbox, releases list,
release, phase and activity views, retry/abort, and the templates pages.

Releases are created and advanced through the JSON API with the demo token (alice,
release manager), as a pipeline would; then each person's HTML is checked.  People
(demo data): alice release manager, bob QA (team qa), carol SRE approver (teams sre,
dba), dave product approver (teams product, security), erin auditor.
"""
import html
import os
import re
import unittest

import harness
from harness import ServerTestCase

FIXTURES = os.path.join(harness.ROOT, "tests", "fixtures", "templates")

# Two approvals side by side after an automated evaluation, a deadline, placeholders in
# the instructions, and on_reject fail_phase so that a failure leaves the release on hold.
VIEWS_TEMPLATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: views-check
description: Two approvals side by side, for the view tests.
variables: [note, image]
on_reject: fail_phase
phases:
  - name: build
    activities:
      - name: unit-tests
        type: automated
  - name: production
    activities:
      - name: evaluation
        type: automated
      - name: production-approval
        type: approval
        depends_on: [evaluation]
        when: {pass: manual, warning: manual}
        instructions: |
          # Ship {{release.name}} {{release.version}}

          Check **{{vars.image}}** before approving.

          Note: {{vars.note}}

          Result: [{{activities.evaluation.outputs.missing}}]
        approvers:
          rules:
            - {team: sre, min: 1}
            - {team: product, min: majority}
        deadline: 3h
      - name: security-review
        type: approval
        depends_on: [evaluation]
        when: {pass: manual, warning: manual}
        approvers:
          rules: [{team: sre, min: 1}]
      - name: db-migration
        type: manual
        depends_on: [production-approval]
        responsible: {team: dba}
        instructions: Migrate the database for {{release.version}}.
"""

EVIL_NOTE = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)>"


# ------------------------------------------------------------------ helpers

def badge(status, label):
    """The HTML of a status badge as the views print it (any extra classes allowed)."""
    return re.compile(r'<span class="badge[a-z ]* s-%s">%s</span>' % (re.escape(status), re.escape(label)))


def main_html(resp):
    """The page's <main> element (so the header's navigation never satisfies a check)."""
    m = re.search(r"<main[^>]*>(.*)</main>", resp.text, re.S)
    assert m, "no <main> in the page"
    return m.group(1)


def text_of(fragment):
    """Visible text: tags removed, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def inbox_rows(resp):
    """[(activity id, has deadline, deadline ISO or None)] in page order."""
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", main_html(resp), re.S):
        m = re.search(r'href="/activities/(\d+)"', tr)
        if not m:
            continue
        d = re.search(r'<time datetime="([^"]+)" data-deadline', tr)
        rows.append((int(m.group(1)), d is not None, d.group(1) if d else None))
    return rows


def release_rows(resp):
    """[(release id, status)] of the releases table, in order."""
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", main_html(resp), re.S):
        m = re.search(r'href="/releases/(\d+)"', tr)
        s = re.search(r'class="badge s-([a-z_]+)"', tr)
        if m and s:
            out.append((int(m.group(1)), s.group(1)))
    return out


class ViewsCase(ServerTestCase):
    """Shared helpers: signed-in people (one sign-in each per class) and the API."""
    people = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.people = {}
        cls.api = cls.server.client(token=cls.server.demo_token())

    def as_(self, username):
        if username not in self.people:
            self.people[username] = self.login(username)
        return self.people[username]

    def ensure_template(self, name, text):
        """Upload the template through the page (as alice) unless it exists."""
        if self.server.sql("SELECT count(*) FROM templates WHERE name=?", name)[0][0] == 0:
            r = self.as_("alice").post("/templates", {"yaml": text})
            self.assertEqual(r.status, 303, r.text[:2000])

    def create_release(self, template, name, version, variables):
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": template, "name": name, "version": version, "variables": variables})
        self.assertEqual(r.status, 201, r.text[:500])
        j = r.json()
        rid = j.get("id") or (j.get("release") or {}).get("id")
        self.assertIsInstance(rid, int, r.text[:500])
        return rid

    def act(self, rid, name):
        rows = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name=?", rid, name)
        self.assertTrue(rows, "no activity %s in release %s" % (name, rid))
        return rows[0][0]

    def status(self, table, oid):
        return self.server.sql("SELECT status FROM %s WHERE id=?" % table, oid)[0][0]

    def report(self, rid, name, result):
        aid = self.act(rid, name)
        r = self.api.request("POST", "/api/v1/activities/%d/result" % aid, json_body={"result": result})
        self.assertEqual(r.status, 200, r.text[:500])
        return aid

    def views_release(self, name, version="6.6.6", evaluation="warning"):
        """A views-check release with both production approvals on hold."""
        self.ensure_template("views-check", VIEWS_TEMPLATE)
        rid = self.create_release("views-check", name, version,
                                  {"note": EVIL_NOTE, "image": "registry.example/app@sha256:abc"})
        self.report(rid, "unit-tests", "pass")
        self.report(rid, "evaluation", evaluation)
        self.assertEqual(self.status("activities", self.act(rid, "production-approval")), "on_hold")
        self.assertEqual(self.status("activities", self.act(rid, "security-review")), "on_hold")
        return rid


class ReleaseViewsTest(ViewsCase):
    """Release, phase and activity views, and the inbox, for one release on hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rid = None

    def setUp(self):
        if type(self).rid is None:
            type(self).rid = self.views_release("views-a", "6.6.6")
        self.rid = type(self).rid

    # -- release view

    def test_01_release_view_for_an_eligible_approver(self):
        r = self.as_("carol").get("/releases/%d" % self.rid)
        self.assertEqual(r.status, 200)
        m = main_html(r)
        self.assertRegex(m, badge("on_hold", "On Hold"))
        self.assertIn("2 activities require your input", m)      # production-approval + security-review
        self.assertIn('href="/activities/%d"' % self.act(self.rid, "security-review"), m)
        r = self.as_("dave").get("/releases/%d" % self.rid)
        m = main_html(r)
        self.assertIn("1 activity requires your input", m)       # only production-approval
        self.assertIn("Also waiting for Carol Reliability", text_of(m))

    def test_02_release_view_for_someone_who_cannot_act(self):
        m = main_html(self.as_("erin").get("/releases/%d" % self.rid))
        self.assertRegex(m, badge("on_hold", "On Hold"))
        self.assertNotIn("require your input", m)
        self.assertNotIn("requires your input", m)
        t = text_of(m)
        self.assertIn("On Hold — waiting for", t)
        self.assertIn("Carol Reliability", t)
        self.assertIn("Dave Product", t)

    def test_03_release_view_facts_phases_timeline(self):
        m = main_html(self.as_("erin").get("/releases/%d" % self.rid))
        t = text_of(m)
        self.assertIn("views-check", t)
        self.assertIn("Alice Manager", t)
        self.assertIn("registry.example/app@sha256:abc", t)
        # The evil variable is shown as text, never as markup.
        self.assertNotIn("<script>alert", m)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", m)
        # Phases in order, the waiting one marked with its count, linking to the phase view.
        build = m.index(">build</a>")
        production = m.index(">production</a>")
        self.assertLess(build, production)
        self.assertIn("2 waiting", m[production:])
        self.assertNotIn("waiting", m[build:production].replace("Waiting for Approval", ""))
        pid = self.server.sql("SELECT id FROM phases WHERE release_id=? AND name='production'", self.rid)[0][0]
        self.assertIn('href="/phases/%d"' % pid, m)
        # Timeline: human sentences, in order.
        tl = text_of(m[m.index("Timeline"):])
        self.assertIn("Alice Manager started the release", tl)
        self.assertIn("production-approval waits for people to act", tl)
        self.assertLess(tl.index("started the release"), tl.index("production-approval waits for people to act"))
        # the engine's steps a person would not write down stay in the audit trail only
        for noise in ("is Blocked", "is Pending again", "The release is On Hold", "is Waiting for Approval"):
            self.assertNotIn(noise, tl)
        self.assertGreater(self.server.sql("SELECT count(*) FROM audit_log WHERE release_id=?"
                                           " AND action IN ('activity.block','release.on_hold')", self.rid)[0][0], 0)

    def test_03b_release_view_links_to_its_records(self):
        m = main_html(self.as_("erin").get("/releases/%d" % self.rid))           # auditor
        self.assertIn('<a href="/releases/%d/approvals">Approvals log</a>' % self.rid, m)
        self.assertIn('href="/releases/%d/report.pdf"' % self.rid, m)
        self.assertIn('href="/audit?release=%d"' % self.rid, m)
        m = main_html(self.as_("alice").get("/releases/%d" % self.rid))          # release manager
        self.assertIn('href="/releases/%d/approvals"' % self.rid, m)
        self.assertNotIn('href="/audit?release=', m)                            # the trail is the auditors'
        m = main_html(self.as_("bob").get("/releases/%d" % self.rid))
        self.assertNotIn("Approvals log", m)

    # -- phase view

    def test_04_phase_view_waiting_for_approval(self):
        pid = self.server.sql("SELECT id FROM phases WHERE release_id=? AND name='production'", self.rid)[0][0]
        r = self.as_("erin").get("/phases/%d" % pid)
        self.assertEqual(r.status, 200)
        m = main_html(r)
        self.assertRegex(m, badge("waiting_for_approval", "Waiting for Approval"))
        self.assertRegex(m, r'<span class="badge-count"[^>]*>2</span>')
        self.assertIn("2 pending approvals", m)
        t = text_of(m)
        self.assertIn("after evaluation", t)
        self.assertIn("after production-approval", t)          # db-migration's dependency
        self.assertRegex(m, badge("blocked", "Blocked"))
        # The build phase waits for nothing.
        bid = self.server.sql("SELECT id FROM phases WHERE release_id=? AND name='build'", self.rid)[0][0]
        m = main_html(self.as_("erin").get("/phases/%d" % bid))
        self.assertRegex(m, badge("completed", "Completed"))
        self.assertNotIn("Waiting for Approval", m)
        self.assertNotIn("badge-count", m)

    # -- activity view

    def test_05_activity_view_instructions(self):
        aid = self.act(self.rid, "production-approval")
        r = self.as_("erin").get("/activities/%d" % aid)
        self.assertEqual(r.status, 200)
        m = main_html(r)
        inst = re.search(r'<div class="instructions">(.*?)</div>', m, re.S)
        self.assertIsNotNone(inst, m[:3000])
        inst = inst.group(1)
        self.assertIn("<h1>Ship views-a 6.6.6</h1>", inst)               # placeholders, then Markdown
        self.assertIn("<strong>registry.example/app@sha256:abc</strong>", inst)
        self.assertIn("Result: []", inst)                                # unknown output: empty
        # The malicious variable cannot inject markup or a script link anywhere on the page.
        self.assertNotIn("<script>alert", r.text)
        self.assertNotIn("<img src=x", r.text)
        self.assertNotRegex(r.text.lower(), r'href="\s*javascript:')
        self.assertIn("alert(1)", inst)                                  # the text itself survives

    def test_06_activity_view_who_may_act_deadline_votes(self):
        aid = self.act(self.rid, "production-approval")
        m = main_html(self.as_("erin").get("/activities/%d" % aid))
        t = text_of(m)
        self.assertRegex(m, badge("on_hold", "On Hold"))
        self.assertIn("Approval", t)
        self.assertIn("1 of team sre", t)
        self.assertIn("majority of team product", t)
        self.assertIn("Carol Reliability", t)
        self.assertIn("Dave Product", t)
        self.assertIn("No votes yet.", t)
        self.assertIn("Round 1", t)
        # Deadline 3 h after activation: a countdown with the exact UTC time on hover.
        dl = re.search(r'<time datetime="(\d{4}-\d\d-\d\dT[\d:.]+Z)" data-deadline title="([^"]+ UTC)"[^>]*>([^<]+)</time>', m)
        self.assertIsNotNone(dl, m[:4000])
        self.assertRegex(dl.group(3), r"^in (2 h \d+ min|3 h 0 min)$")
        # Breadcrumbs to the release and the phase.
        self.assertIn('href="/releases/%d"' % self.rid, m)
        # Nobody but an eligible approver gets the place for the decision form.
        self.assertNotIn('id="act"', m)
        self.assertIn('id="act"', main_html(self.as_("carol").get("/activities/%d" % aid)))
        self.assertIn('id="act"', main_html(self.as_("dave").get("/activities/%d" % aid)))
        self.assertNotIn('id="act"', main_html(self.as_("bob").get("/activities/%d" % aid)))

    def test_07_activity_view_manual_and_automated(self):
        m = main_html(self.as_("erin").get("/activities/%d" % self.act(self.rid, "db-migration")))
        t = text_of(m)
        self.assertRegex(m, badge("blocked", "Blocked"))
        self.assertIn("Manual task", t)
        self.assertIn("team dba", t)
        self.assertIn("after production-approval", t)
        self.assertIn("Migrate the database for 6.6.6.", t)
        m = main_html(self.as_("erin").get("/activities/%d" % self.act(self.rid, "evaluation")))
        self.assertRegex(m, badge("completed", "Completed"))
        self.assertRegex(m, badge("warning", "Warning"))

    def test_07b_unreadable_rules_still_show_the_activity(self):
        # rules that cannot be parsed (a damaged row): the page says so and shows the rest
        sr = self.act(self.rid, "security-review")
        saved = self.server.sql("SELECT policy_json FROM activities WHERE id=?", sr)[0][0]
        self.server.execute("UPDATE activities SET policy_json='{not json' WHERE id=?", (sr,))
        try:
            r = self.as_("erin").get("/activities/%d" % sr)
            self.assertEqual(r.status, 200, r.text[:300])
            self.assertIn("The approval rules could not be read.", main_html(r))
            self.assertIn("security-review", main_html(r))
        finally:
            self.server.execute("UPDATE activities SET policy_json=? WHERE id=?", (saved, sr))
        self.assertNotIn("could not be read", main_html(self.as_("erin").get("/activities/%d" % sr)))

    # -- inbox

    def test_08_inbox_mine_for_an_eligible_approver(self):
        r = self.as_("carol").get("/")
        self.assertEqual(r.status, 200)
        m = main_html(r)
        self.assertIn('aria-current="page">Waiting for me', m)           # default: mine
        ids = [row[0] for row in inbox_rows(r)]
        pa, sr = self.act(self.rid, "production-approval"), self.act(self.rid, "security-review")
        self.assertIn(pa, ids)
        self.assertIn(sr, ids)
        self.assertLess(ids.index(pa), ids.index(sr))                   # a deadline sorts first
        row = m[m.index('href="/activities/%d"' % pa):]
        row = row[:row.index("</tr>")]
        t = text_of(row)
        self.assertIn("views-a", t)
        self.assertIn("6.6.6", t)
        self.assertIn("production", t)
        self.assertIn("Approval", t)
        self.assertRegex(t, r"ago")
        self.assertIn('href="/releases/%d"' % self.rid, row)
        self.assertIn("data-deadline", row)
        # bob (QA) has nothing here: his view of the same inbox does not list them.
        ids_bob = [row[0] for row in inbox_rows(self.as_("bob").get("/?mine=1"))]
        self.assertNotIn(pa, ids_bob)

    def test_09_inbox_nothing_for_someone_else(self):
        r = self.as_("erin").get("/?mine=1")
        m = main_html(r)
        self.assertIn("Nothing waits for you.", m)
        self.assertEqual(inbox_rows(r), [])
        # Without the filter (erin's default, since nothing is hers) everything waiting is listed.
        r = self.as_("erin").get("/")
        self.assertIn('aria-current="page">Everything waiting', main_html(r))
        self.assertIn(self.act(self.rid, "production-approval"), [row[0] for row in inbox_rows(r)])
        self.assertNotIn("Nothing waits for you.", main_html(r))

    def waiting_counts(self):
        """The inbox's count of everything waiting, on six visits in a row."""
        got = []
        for _ in range(6):
            m = re.search(r'Everything waiting <span class="count">(\d+)</span>', main_html(self.as_("erin").get("/")))
            self.assertIsNotNone(m)
            got.append(int(m.group(1)))
        return got

    def waiting_in_db(self):
        return self.server.sql("SELECT count(*) FROM activities a JOIN phases p ON p.id=a.phase_id"
                               " JOIN releases r ON r.id=a.release_id WHERE a.status='on_hold'"
                               " AND p.status<>'failed' AND r.status IN ('running','on_hold')")[0][0]

    def test_10_inbox_sorted_by_urgency(self):
        r = self.as_("erin").get("/?mine=0")
        rows = inbox_rows(r)
        self.assertTrue(rows)
        flags = [has for _, has, _ in rows]
        self.assertEqual(flags, sorted(flags, reverse=True), "deadlines first, then none")
        dls = [d for _, has, d in rows if has]
        self.assertEqual(dls, sorted(dls))

    # -- errors and access

    def test_11_unknown_ids_are_404(self):
        c = self.as_("erin")
        for path in ("/releases/999999", "/phases/999999", "/activities/999999", "/templates/999999"):
            r = c.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertIn("There is nothing at this address.", r.text)

    def test_12_views_need_sign_in(self):
        c = self.client()
        for path in ("/releases", "/releases/%d" % self.rid, "/templates", "/activities/1", "/phases/1"):
            r = c.get(path)
            self.assertEqual(r.status, 303, path)
            self.assertTrue(r.header("Location").startswith("/login?next="), path)
        self.assertEqual(c.get("/").header("Location"), "/login")

    def test_13_a_vote_updates_every_view(self):
        # Runs last in this class: carol approves security-review through the API.
        sr, pa = self.act(self.rid, "security-review"), self.act(self.rid, "production-approval")
        # Every visit (whichever worker answers; each keeps the count of everything waiting
        # until the database changes) shows what the database holds, before and after.
        before = self.waiting_counts()
        self.assertEqual(before, [self.waiting_in_db()] * len(before))
        token = self.server.cli("token", "create", "--user", "carol", "--name", "views").stdout.strip()
        r = self.client(token=token).request("POST", "/api/v1/activities/%d/decision" % sr,
                                             json_body={"decision": "approve", "comment": "Looks <fine>\nto me"})
        self.assertEqual(r.status, 200, r.text[:500])
        self.assertEqual(self.status("activities", sr), "completed")
        after = self.waiting_counts()
        self.assertEqual(after, [self.waiting_in_db()] * len(after))
        self.assertNotEqual(after, before)
        carol = self.as_("carol")
        ids = [row[0] for row in inbox_rows(carol.get("/"))]
        self.assertNotIn(sr, ids)
        self.assertIn(pa, ids)
        self.assertIn("1 activity requires your input", main_html(carol.get("/releases/%d" % self.rid)))
        m = main_html(self.as_("erin").get("/activities/%d" % sr))
        self.assertRegex(m, badge("completed", "Completed"))
        votes = m[m.index("Votes"):]
        self.assertRegex(votes, r'<span class="badge s-approved">Approved</span> <strong>Carol Reliability</strong>')
        self.assertIn("Looks &lt;fine&gt;\nto me", votes)                 # escaped, line kept
        self.assertNotIn("No votes yet.", votes)
        self.assertNotIn('id="act"', main_html(carol.get("/activities/%d" % sr)))
        pid = self.server.sql("SELECT id FROM phases WHERE release_id=? AND name='production'", self.rid)[0][0]
        self.assertIn("1 pending approval", main_html(self.as_("erin").get("/phases/%d" % pid)))

    def test_14_manual_task_waits_for_its_team(self):
        # Runs after test_13: carol (sre) and dave (product) approve; db-migration (team dba) waits.
        pa, dm = self.act(self.rid, "production-approval"), self.act(self.rid, "db-migration")
        for who in ("carol", "dave"):
            token = self.server.cli("token", "create", "--user", who, "--name", "views-" + who).stdout.strip()
            r = self.client(token=token).request("POST", "/api/v1/activities/%d/decision" % pa,
                                                 json_body={"decision": "approve", "comment": "go"})
            self.assertEqual(r.status, 200, r.text[:500])
        self.assertEqual(self.status("activities", dm), "on_hold")
        # the timeline says where each vote left the quorum, as a person would write it
        hist = main_html(self.as_("erin").get("/activities/%d" % pa))
        hist = hist[hist.index('id="hist-title"'):]
        self.assertIn("Carol Reliability approved production-approval: “go” — 1 of 2 needed<", hist)
        self.assertIn("Dave Product approved production-approval: “go” — 2 of 2 needed: approved<", hist)
        r = self.as_("carol").get("/")                                   # carol is in team dba
        row = [x for x in inbox_rows(r) if x[0] == dm]
        self.assertTrue(row)
        m = main_html(r)
        tr = m[m.index('href="/activities/%d"' % dm):]
        self.assertIn("Manual task", tr[:tr.index("</tr>")])
        self.assertNotIn(dm, [x[0] for x in inbox_rows(self.as_("dave").get("/?mine=1"))])
        m = main_html(self.as_("dave").get("/releases/%d" % self.rid))
        # "waiting for" names the people who may act (may_act), not the team
        self.assertIn("On Hold — waiting for Carol Reliability", text_of(m))
        m = main_html(self.as_("erin").get("/activities/%d" % dm))
        self.assertIn("Anyone in team dba can take responsibility", text_of(m))
        self.assertIn("Nobody has taken responsibility yet.", text_of(m))
        m = main_html(self.as_("erin").get("/activities/%d" % pa))
        self.assertRegex(m, badge("completed", "Completed"))
        votes = text_of(m[m.index("Votes"):])
        self.assertIn("Carol Reliability", votes)
        self.assertIn("Dave Product", votes)


class OverdueTest(ViewsCase):
    """A passed deadline reads "overdue" (the server's clock is moved, never slept on)."""

    def test_01_activity_view_overdue(self):
        rid = self.views_release("views-late", "7.0")
        aid = self.act(rid, "production-approval")
        self.server.advance_clock(4 * 3600)
        try:
            c = self.login("erin")                   # sessions idle out after 30 min of clock
            m = main_html(c.get("/activities/%d" % aid))
            inbox = main_html(c.get("/?mine=0"))
        finally:
            self.server.advance_clock(-4 * 3600)
        dl = re.search(r'data-deadline title="[^"]+ UTC" class="overdue">([^<]+)</time>', m)
        self.assertIsNotNone(dl, m[:4000])
        self.assertRegex(dl.group(1), r"^(59 min|1 h \d+ min) overdue$")
        self.assertRegex(inbox, r'class="overdue">(59 min|1 h \d+ min) overdue</time>')


class RetryAbortTest(ViewsCase):
    """Retry and Abort: buttons only for release managers, POSTs refused to others."""

    def failed_release(self, name):
        """A views-check release whose unit tests failed (fail_phase: the release stays on hold)."""
        self.ensure_template("views-check", VIEWS_TEMPLATE)
        rid = self.create_release("views-check", name, "1.0", {"note": "n", "image": "i"})
        self.report(rid, "unit-tests", "fail")
        self.assertEqual(self.status("activities", self.act(rid, "unit-tests")), "failed")
        return rid

    def test_01_buttons_only_for_release_managers(self):
        rid = self.failed_release("ra-buttons")
        m = main_html(self.as_("alice").get("/releases/%d" % rid))
        self.assertIn('action="/releases/%d/retry"' % rid, m)
        self.assertIn('name="activity" value="%d"' % self.act(rid, "unit-tests"), m)
        self.assertIn('action="/releases/%d/abort"' % rid, m)
        self.assertIn('data-confirm="Abort this release?', m)
        self.assertIn(">Retry</button>", m)
        for who in ("bob", "carol", "erin"):
            m = main_html(self.as_(who).get("/releases/%d" % rid))
            self.assertNotIn("/retry", m, who)
            self.assertNotIn("/abort", m, who)
            self.assertNotIn(">Retry</button>", m, who)

    def test_02_posts_refused_to_others(self):
        rid = self.failed_release("ra-refused")
        aid = self.act(rid, "unit-tests")
        for who in ("bob", "carol", "erin"):
            c = self.as_(who)
            r = c.post("/releases/%d/retry" % rid, {"activity": str(aid)})
            self.assertEqual(r.status, 403, who)
            r = c.post("/releases/%d/abort" % rid, {"reason": "no"})
            self.assertEqual(r.status, 403, who)
        self.assertEqual(self.status("releases", rid), "on_hold")
        self.assertEqual(self.status("activities", aid), "failed")
        # Without the CSRF token even a release manager is refused.
        r = self.as_("alice").post("/releases/%d/abort" % rid, {"reason": "x"}, with_csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.status("releases", rid), "on_hold")

    def test_03_retry(self):
        rid = self.failed_release("ra-retry")
        aid = self.act(rid, "unit-tests")
        c = self.as_("alice")
        r = c.post("/releases/%d/retry" % rid, {"activity": str(aid)})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/releases/%d" % rid)
        self.assertEqual(self.server.sql("SELECT status, round FROM activities WHERE id=?", aid)[0], ("running", 2))
        m = c.get("/releases/%d" % rid).text
        self.assertIn("Retrying unit-tests (round 2).", m)
        self.assertIn("Alice Manager retried unit-tests", text_of(main_html(c.get("/releases/%d" % rid))))
        # A second retry of an activity that is running again is refused with a message.
        r = c.post("/releases/%d/retry" % rid, {"activity": str(aid)})
        self.assertEqual(r.status, 303)
        self.assertIn("Nothing was retried", c.get("/releases/%d" % rid).text)
        self.assertEqual(self.server.sql("SELECT round FROM activities WHERE id=?", aid)[0][0], 2)
        # An unknown release is 404.
        self.assertEqual(c.post("/releases/999999/retry", {"activity": str(aid)}).status, 404)

    def test_04_abort(self):
        rid = self.failed_release("ra-abort")
        c = self.as_("alice")
        r = c.post("/releases/%d/abort" % rid, {"reason": "wrong build"})
        self.assertEqual(r.status, 303)
        self.assertEqual(self.status("releases", rid), "aborted")
        m = main_html(c.get("/releases/%d" % rid))
        self.assertRegex(m, badge("aborted", "Aborted"))
        self.assertNotIn("/abort", m)                                    # nothing left to abort
        self.assertNotIn("/retry", m)
        self.assertIn("Alice Manager aborted the release: “wrong build”", text_of(m))
        self.assertEqual(c.post("/releases/999999/abort", {}).status, 404)


class InboxPagingTest(ViewsCase):
    """The inbox and the approvals API page by key through more than a hundred waiting activities."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.cli("seed-bench", "102", "0")        # 102 releases, each waiting at the QA sign-off (for bob)

    def pages(self, c, url):
        """Follow the "Less urgent" links from url: [[activity ids of each page]], and the last response."""
        out = []
        while url:
            r = c.get(url)
            self.assertEqual(r.status, 200)
            out.append([aid for aid, _, _ in inbox_rows(r)])
            m = re.search(r'href="([^"]+)" rel="next"', main_html(r))
            url = html.unescape(m.group(1)) if m else None
            self.assertLess(len(out), 10, "the pager does not end")
        return out, r

    def test_01_mine_pages_cover_everything_once(self):
        bob = self.as_("bob")
        first = bob.get("/")
        self.assertIn("100+", text_of(main_html(first)))           # the count stops at 100
        pages, last = self.pages(bob, "/?mine=1")
        self.assertEqual([len(p) for p in pages[:-1]], [50] * (len(pages) - 1))
        ids = [a for p in pages for a in p]
        self.assertEqual(len(ids), len(set(ids)), "an activity on two pages")
        expect = {row[0] for row in self.server.sql(
            "SELECT DISTINCT m.activity_id FROM may_act m JOIN activities a ON a.id=m.activity_id AND a.round=m.round"
            " JOIN users u ON u.id=m.user_id WHERE u.username='bob'")}
        self.assertGreaterEqual(len(expect), 102)
        self.assertEqual(set(ids), expect)
        # "More urgent" from the second page gives back the first page exactly.
        second = bob.get(re.search(r'href="([^"]+)" rel="next"', main_html(first)).group(1).replace("&amp;", "&"))
        prev = re.search(r'href="([^"]+)" rel="prev"', main_html(second)).group(1).replace("&amp;", "&")
        self.assertIn("before=", prev)
        self.assertEqual([a for a, _, _ in inbox_rows(bob.get(prev))], pages[0])
        self.assertNotIn('rel="prev"', main_html(first))
        self.assertNotIn('rel="next"', main_html(last))

    def test_02_everything_waiting_in_urgency_order(self):
        pages, _ = self.pages(self.as_("erin"), "/?mine=0")
        ids = [a for p in pages for a in p]
        order = [row[0] for row in self.server.sql(
            "SELECT a.id FROM activities a JOIN phases p ON p.id=a.phase_id JOIN releases r ON r.id=a.release_id"
            " WHERE a.status='on_hold' AND p.status<>'failed' AND r.status IN ('running','on_hold')"
            " ORDER BY a.deadline_at IS NULL, a.deadline_at, coalesce(a.activated_at, 0), a.id")]
        self.assertEqual(ids, order)

    def test_03_bad_keys(self):
        bob = self.as_("bob")
        first = [a for a, _, _ in inbox_rows(bob.get("/?mine=1"))]
        for bad in ("x", "1.2", "1.2.x", "1.2.0", "", "9" * 40 + ".1.1"):
            r = bob.get("/?mine=1&after=" + bad)
            self.assertEqual(r.status, 200, bad)
            self.assertEqual([a for a, _, _ in inbox_rows(r)], first, bad)
        # Past the end: an empty page with a way back.
        r = bob.get("/?mine=1&after=" + ".".join(["9223372036854775807"] * 3))
        self.assertIn("No more activities here", text_of(main_html(r)))

    def test_04_api_approvals_pages(self):
        seen, url = [], "/api/v1/approvals?limit=40"
        while url:
            j = self.api.get(url).json()
            self.assertLessEqual(len(j["approvals"]), 40)
            seen += [a["id"] for a in j["approvals"]]
            url = "/api/v1/approvals?limit=40&after=" + j["next"] if j["next"] else None
        everything = [a["id"] for a in self.api.get("/api/v1/approvals").json()["approvals"]]
        self.assertEqual(seen, everything)
        self.assertGreaterEqual(len(seen), 102)
        for bad in ("limit=0", "limit=501", "limit=x", "after=nope"):
            r = self.api.get("/api/v1/approvals?" + bad)
            self.assertEqual(r.status, 422, bad)


class ReleasesListTest(ViewsCase):
    """The releases list: badges, filter by status, pagination."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = []

    def setUp(self):
        if not type(self).ids:
            with open(os.path.join(FIXTURES, "delivery.yaml")) as f:
                self.ensure_template("delivery", f.read())
            ids = []
            for i in range(27):
                ids.append(self.create_release("delivery", "list-%02d" % i, "1.%d" % i,
                                               {"image": "img", "version": "1.%d" % i}))
            # Three of them wait for QA sign-off.
            for rid in ids[:3]:
                self.report(rid, "deploy-qa", "pass")
            type(self).ids = ids
        self.ids = type(self).ids

    def test_01_first_page(self):
        r = self.as_("erin").get("/releases")
        self.assertEqual(r.status, 200)
        m = main_html(r)
        rows = release_rows(r)
        self.assertEqual(len(rows), 25)
        self.assertEqual(rows[0][0], max(self.ids))                      # newest first
        self.assertIn('href="/releases?older=%d"' % rows[-1][0], m)      # keyset: older than the last row
        self.assertIn("Older", m)
        self.assertNotIn("Newer", m)
        row = m[m.index('href="/releases/%d"' % max(self.ids)):]
        t = text_of(row[:row.index("</tr>")])
        self.assertIn("list-26", t)
        self.assertIn("1.26", t)
        self.assertIn("delivery", t)
        self.assertIn("Alice Manager", t)
        self.assertIn("ago", t)
        self.assertRegex(m, badge("running", "Running"))
        # Every status has a labelled option.
        for value, label in (("on_hold", "On Hold"), ("running", "Running"), ("completed", "Completed"),
                             ("failed", "Failed"), ("aborted", "Aborted")):
            self.assertIn('<option value="%s">%s</option>' % (value, label), m)
        self.assertIn('<label for="status">Status</label>', m)

    def test_02_second_page(self):
        first = release_rows(self.as_("erin").get("/releases"))
        older = re.search(r'href="(/releases\?older=\d+)"', main_html(self.as_("erin").get("/releases"))).group(1)
        r = self.as_("erin").get(older)
        rows = release_rows(r)
        self.assertGreaterEqual(len(rows), 2)
        self.assertFalse({rid for rid, _ in first} & {rid for rid, _ in rows})
        self.assertIn(min(self.ids), [rid for rid, _ in rows])
        self.assertEqual([rid for rid, _ in rows], sorted((rid for rid, _ in rows), reverse=True))
        m = main_html(r)
        self.assertIn('href="/releases?newer=%d"' % rows[0][0], m)
        self.assertIn("Newer", m)
        self.assertNotIn("Older →", m)                                     # the last page
        # Newer from the second page gives back exactly the first page.
        back = self.as_("erin").get("/releases?newer=%d" % rows[0][0])
        self.assertEqual(release_rows(back), first)
        # Nonsense keys fall back to the first page; a key below every id is an empty page with a way back.
        self.assertEqual(release_rows(self.as_("erin").get("/releases?older=abc")), first)
        e = self.as_("erin").get("/releases?older=1")
        self.assertEqual(e.status, 200)
        self.assertIn("No releases match", main_html(e))

    def test_03_filter_by_status(self):
        r = self.as_("erin").get("/releases?status=on_hold")
        rows = release_rows(r)
        self.assertTrue(set(self.ids[:3]) <= {rid for rid, _ in rows})
        self.assertEqual({s for _, s in rows}, {"on_hold"})
        self.assertRegex(main_html(r), badge("on_hold", "On Hold"))
        self.assertIn('<option value="on_hold" selected>On Hold</option>', main_html(r))
        rows = release_rows(self.as_("erin").get("/releases?status=running"))
        self.assertEqual({s for _, s in rows}, {"running"})
        self.assertNotIn(self.ids[0], [rid for rid, _ in rows])
        r = self.as_("erin").get("/releases?status=aborted&page=1")
        if not self.server.sql("SELECT count(*) FROM releases WHERE status='aborted'")[0][0]:
            self.assertEqual(release_rows(r), [])
            self.assertIn("No releases match.", main_html(r))
        # Unknown filters are ignored rather than trusted.
        r = self.as_("erin").get("/releases?status=%3Cscript%3E")
        self.assertEqual(r.status, 200)
        self.assertEqual(len(release_rows(r)), 25)
        self.assertNotIn("<script>", main_html(r))

    def test_04_template_list_and_view(self):
        r = self.as_("erin").get("/templates")
        self.assertEqual(r.status, 200)
        m = main_html(r)
        tid = self.server.sql("SELECT max(id) FROM templates WHERE name='delivery'")[0][0]
        self.assertIn('href="/templates/%d"' % tid, m)
        desc = self.server.sql("SELECT description FROM templates WHERE id=?", tid)[0][0]
        self.assertTrue(desc)
        self.assertIn(html.escape(desc, quote=False), m)
        self.assertNotIn('name="yaml"', m)                              # erin may not upload
        r = self.as_("erin").get("/templates/%d" % tid)
        self.assertEqual(r.status, 200)
        m = main_html(r)
        self.assertIn("<pre", m)
        self.assertIn("apiVersion: holdpoint/v1", m)
        self.assertIn("{{release.version}}", m)                         # the source as written
        self.assertIn("Versions", m)


class TemplatesUploadTest(ViewsCase):
    """Uploading templates: release managers only; errors name the line and keep the text."""

    def test_01_upload_refused_to_qa(self):
        c = self.as_("bob")
        self.assertNotIn('name="yaml"', main_html(c.get("/templates")))
        r = c.post("/templates", {"yaml": VIEWS_TEMPLATE.replace("views-check", "by-bob")})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.sql("SELECT count(*) FROM templates WHERE name='by-bob'")[0][0], 0)

    def test_02_bad_yaml_is_422_with_line_and_text_kept(self):
        bad = ("apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: broken\n"
               "# <b>kept</b>\nbogus_key: 1\nphases:\n  - name: qa\n    activities:\n"
               "      - name: a\n        type: automated\n")
        c = self.as_("alice")
        r = c.post("/templates", {"yaml": bad})
        self.assertEqual(r.status, 422)
        m = main_html(r)
        self.assertRegex(m, r'<ul class="error-list"><li>line \d+: [^<]*bogus_key')
        ta = re.search(r'<textarea id="yaml" name="yaml"[^>]*>(.*?)</textarea>', m, re.S)
        self.assertIsNotNone(ta)
        self.assertEqual(html.unescape(ta.group(1)), "\n" + bad)       # the first newline is the browser's
        self.assertIn("&lt;b&gt;kept&lt;/b&gt;", ta.group(1))
        self.assertIn('aria-invalid="true"', m)
        self.assertEqual(self.server.sql("SELECT count(*) FROM templates WHERE name='broken'")[0][0], 0)
        # An empty upload says the field is required.
        r = c.post("/templates", {"yaml": ""})
        self.assertEqual(r.status, 422)
        self.assertIn("This field is required.", main_html(r))

    def test_03_upload_new_version(self):
        c = self.as_("alice")
        text = VIEWS_TEMPLATE.replace("views-check", "uploaded").replace("\n", "\r\n")
        r = c.post("/templates", {"yaml": text})
        self.assertEqual(r.status, 303)
        tid = int(re.fullmatch(r"/templates/(\d+)", r.header("Location")).group(1))
        self.assertIn("Imported uploaded version 1.", c.get("/templates/%d" % tid).text)
        self.assertNotIn("\r", self.server.sql("SELECT source_yaml FROM templates WHERE id=?", tid)[0][0])
        r = c.post("/templates", {"yaml": text.replace("Two approvals", "Second version with two approvals")})
        self.assertEqual(r.status, 303)
        tid2 = int(r.header("Location").rsplit("/", 1)[1])
        self.assertEqual(self.server.sql("SELECT version FROM templates WHERE id=?", tid2)[0][0], 2)
        m = main_html(c.get("/templates/%d" % tid))
        self.assertIn("Older version", m)
        self.assertIn('href="/templates/%d"' % tid2, m)
        m = main_html(c.get("/templates"))
        self.assertIn("Second version with two approvals", m)
        self.assertIn("2 versions", m)
        # the same text again is not a new version: it says so and points at the latest
        before = self.server.sql("SELECT count(*) FROM templates WHERE name='uploaded'")[0][0]
        r = c.post("/templates", {"yaml": text.replace("Two approvals", "Second version with two approvals")})
        self.assertEqual((r.status, r.header("Location")), (303, "/templates/%d" % tid2))
        self.assertIn("uploaded is unchanged: version 2 is already this text", c.get(r.header("Location")).text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM templates WHERE name='uploaded'")[0][0], before)


class StartReleaseTest(ViewsCase):
    """Starting a release in the browser: release managers and admins; every field checked."""

    def test_01_only_release_managers_and_admins(self):
        self.assertIn('href="/releases/new"', main_html(self.as_("alice").get("/releases")))
        bob = self.as_("bob")
        self.assertNotIn('href="/releases/new"', main_html(bob.get("/releases")))
        self.assertEqual(bob.get("/releases/new").status, 403)
        r = bob.post("/releases", {"template": "delivery", "name": "by-bob", "var_image": "x", "var_version": "1"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.sql("SELECT count(*) FROM releases WHERE name='by-bob'")[0][0], 0)

    def test_02_choose_fill_and_start(self):
        alice = self.as_("alice")
        m = main_html(alice.get("/releases/new"))
        self.assertIn('<option value="delivery">', m)
        m = main_html(alice.get("/releases/new?template=delivery"))
        self.assertIn("What it runs", m)
        self.assertIn("Approved by 1 of team qa", m)
        self.assertIn("Someone from team dba takes it", m)
        for field in ("name", "version", "artifact", "var_image", "var_version"):
            self.assertIn('id="%s"' % field, m)
        before = self.server.sql("SELECT count(*) FROM releases")[0][0]
        # nothing given: every problem at once, next to its field, what was typed kept, nothing started
        r = alice.post("/releases", {"template": "delivery", "name": "", "version": "7.1", "var_image": "",
                                     "var_version": "7.1"})
        self.assertEqual(r.status, 422)
        self.assertRegex(r.text, r'<p class="error" id="name-error">[^<]+</p>')
        self.assertRegex(r.text, r'<p class="error" id="var_image-error">[^<]+</p>')
        self.assertIn('value="7.1"', r.text)
        self.assertIn("The release was not started", r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM releases")[0][0], before)
        # an unknown template is refused with the list to choose from
        r = alice.post("/releases", {"template": "no-such", "name": "x"})
        self.assertEqual(r.status, 422)
        self.assertIn("There is no template named", html.unescape(r.text))
        # all given: started, recorded, and the release page says so
        r = alice.post("/releases", {"template": "delivery", "name": "web-shop", "version": "7.1",
                                     "artifact": "registry.example/web-shop:7.1",
                                     "var_image": "registry.example/web-shop", "var_version": "7.1"})
        self.assertEqual(r.status, 303, r.text[:500])
        rid = int(re.fullmatch(r"/releases/(\d+)", r.header("Location")).group(1))
        self.assertIn("The release web-shop 7.1 has started.", html.unescape(alice.get(r.header("Location")).text))
        row = self.server.sql("SELECT r.name, r.version, r.artifact, u.username FROM releases r"
                              " JOIN users u ON u.id=r.started_by WHERE r.id=?", rid)[0]
        self.assertEqual(row, ("web-shop", "7.1", "registry.example/web-shop:7.1", "alice"))
        self.assertEqual(dict(self.server.sql("SELECT key, value FROM release_vars WHERE release_id=?", rid)),
                         {"image": "registry.example/web-shop", "version": "7.1"})
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE release_id=? AND actor_name='alice'"
                                         " AND action LIKE 'release.%'", rid)[0][0] >= 1, True)

    def test_03_template_page_draws_the_template(self):
        tid = self.server.sql("SELECT max(id) FROM templates WHERE name='delivery'")[0][0]
        m = main_html(self.as_("alice").get("/templates/%d" % tid))
        self.assertIn("What it runs", m)
        self.assertIn("Phase 1: qa", m)
        self.assertIn("Approved by 1 of team sre and majority of team product", m)
        self.assertIn("Needs an electronic signature", m)
        self.assertIn('href="/releases/new?template=delivery"', m)
        self.assertNotIn('href="/releases/new', main_html(self.as_("bob").get("/templates/%d" % tid)))


class DecisionContextTest(ViewsCase):
    """What an approver sees beside the decision: what came before, the artifact, what changed."""

    def test_01_why_it_is_on_hold(self):
        aid = self.server.sql("SELECT a.id FROM activities a JOIN activities e ON e.release_id=a.release_id"
                              " WHERE a.name='production-approval' AND e.name='evaluation'"
                              " AND e.result_details LIKE '%error_rate_pct%'")[0][0]
        m = main_html(self.as_("carol").get("/activities/%d" % aid))
        why = m[m.index('id="why-title"'):]
        why = why[:why.index("</section>")]
        self.assertIn(">evaluation</a>", why)
        self.assertIn("Warning", why)
        self.assertIn("<dt>error_rate_pct</dt><dd>0.8</dd>", why)          # labelled, and as typed
        self.assertIn("<dt>threshold_pct</dt><dd>0.5</dd>", why)
        self.assertIn("<dt>Artifact</dt><dd><code>registry.example/checkout-service:2.4.0</code>", m)

    def test_02_what_changed_since_the_previous_release(self):
        first = self.create_release("delivery", "ledger", "1.0", {"image": "reg/ledger", "version": "1.0"})
        second = self.create_release("delivery", "ledger", "1.1", {"image": "reg/ledger-ng", "version": "1.1"})
        act = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='deploy-qa'", second)[0][0]
        m = main_html(self.as_("alice").get("/activities/%d" % act))
        since = m[m.index('id="since-title"'):]
        since = since[:since.index("</section>")]
        self.assertIn('href="/releases/%d">1.0</a>' % first, since)
        self.assertIn("<strong>variable image</strong>: <code>reg/ledger</code> → <code>reg/ledger-ng</code>", since)
        self.assertIn("<strong>variable version</strong>: <code>1.0</code> → <code>1.1</code>", since)
        act1 = self.server.sql("SELECT id FROM activities WHERE release_id=? AND name='deploy-qa'", first)[0][0]
        self.assertNotIn('id="since-title"', main_html(self.as_("alice").get("/activities/%d" % act1)))
        # the next release of the name from a template that declares other variables:
        # one no longer set, one new, and the one that did not change is not listed
        self.ensure_template("views-check", VIEWS_TEMPLATE)
        third = self.create_release("views-check", "ledger", "1.2", {"image": "reg/ledger-ng", "note": "canary"})
        act3 = self.server.sql("SELECT min(id) FROM activities WHERE release_id=?", third)[0][0]
        m = main_html(self.as_("alice").get("/activities/%d" % act3))
        since = m[m.index('id="since-title"'):]
        since = since[:since.index("</section>")]
        self.assertIn("<strong>variable version</strong>: <code>1.1</code> → <code>not set</code>", since)
        self.assertIn("<strong>variable note</strong>: <code>not set</code> → <code>canary</code>", since)
        self.assertNotIn("variable image", since)
        self.assertLess(since.index("variable note"), since.index("variable version"))    # by name


class DemoDataTest(ViewsCase):
    """The demo data (seed-demo on first start), before anything else happens."""

    def test_01_carol_sees_the_waiting_production_approval(self):
        rows = self.server.sql(
            "SELECT a.id, r.id FROM activities a JOIN releases r ON r.id=a.release_id"
            " WHERE a.name='production-approval' AND a.status='on_hold'")
        self.assertTrue(rows, "the demo data has no production approval on hold")
        aid, rid = rows[0]
        r = self.as_("carol").get("/")
        self.assertIn('aria-current="page">Waiting for me', main_html(r))
        self.assertIn(aid, [row[0] for row in inbox_rows(r)])
        m = main_html(self.as_("carol").get("/releases/%d" % rid))
        self.assertRegex(m, badge("on_hold", "On Hold"))
        self.assertRegex(m, r"\d+ activit(y requires|ies require) your input")

    def test_02_the_unread_count_stops_at_100(self):
        """Every page shows it: it is counted up to 100 and shown as "100+", however many wait."""
        uid = self.server.sql("SELECT id FROM users WHERE username='dave'")[0][0]
        self.server.execute("INSERT INTO notifications(user_id,text,link,created_at) VALUES(?,?,'',0)",
                            many=[(uid, "note %d" % i) for i in range(150)])
        head = self.as_("dave").get("/releases").text
        self.assertIn('aria-label="100+ unread">100+</span>', head)
        self.server.execute("UPDATE notifications SET read_at=1 WHERE user_id=? AND id NOT IN"
                            " (SELECT id FROM notifications WHERE user_id=? ORDER BY id DESC LIMIT 7)", (uid, uid))
        unread = self.server.sql("SELECT count(*) FROM notifications WHERE user_id=? AND read_at IS NULL", uid)[0][0]
        self.assertIn('aria-label="%d unread">%d</span>' % (unread, unread), self.as_("dave").get("/releases").text)


class TimeZoneTest(ViewsCase):
    """A time zone per person: the browser's at sign-in, chosen on /me, used by pages and the PDF."""

    def zone_of(self, who):
        return self.server.sql("SELECT time_zone FROM users WHERE username=?", who)[0][0]

    def test_01_pages_and_report_in_the_persons_zone(self):
        erin = self.server.client()
        erin.login("erin")                                   # no script ran: no zone, times in UTC
        self.assertEqual(self.zone_of("erin"), "")
        page = erin.get("/releases/1").text
        self.assertRegex(page, r"\(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)")
        self.assertIn("show times in <strong>UTC</strong>", erin.get("/me").text)
        # a zone that is not in the tz database is ignored at sign-in, and refused by the form
        other = self.server.client()
        other.login("erin", tz="../../etc/passwd")
        self.assertEqual(self.zone_of("erin"), "")
        r = erin.post("/me/time-zone", {"time_zone": "Mars/Olympus_Mons"})
        self.assertEqual(r.status, 422)
        self.assertIn('id="time_zone-error">Choose a time zone from the list', r.text)
        self.assertEqual(self.zone_of("erin"), "")
        # the browser's zone is taken at sign-in while none is chosen
        other = self.server.client()
        other.login("erin", tz="America/New_York")
        self.assertEqual(self.zone_of("erin"), "America/New_York")
        # a chosen zone wins over the browser's
        r = erin.post("/me/time-zone", {"time_zone": "Asia/Tokyo"})
        self.assertEqual(r.status, 303, r.text[:300])
        self.server.client().login("erin", tz="Europe/Berlin")
        self.assertEqual(self.zone_of("erin"), "Asia/Tokyo")
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='user.time_zone'")[0][0], 2)
        me = erin.get("/me").text
        self.assertIn("show times in <strong>Asia/Tokyo</strong>", me)
        self.assertIn('<option value="Asia/Tokyo" selected>', me)
        # pages: the same moment, in Tokyo time
        page = erin.get("/releases/1").text
        self.assertRegex(page, r"\(\d{4}-\d\d-\d\d \d\d:\d\d JST\)")
        self.assertNotRegex(page, r"\d\d:\d\d UTC\)")
        # the PDF report says which zone it uses and keeps UTC beside every time
        r = erin.get("/releases/1/report.pdf")
        self.assertEqual(r.status, 200)
        import subprocess, tempfile
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(r.body)
            f.flush()
            text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout
        self.assertIn("Times are in Asia/Tokyo, with UTC in brackets", text)
        self.assertRegex(text, r"\d\d:\d\d JST \(\d\d:\d\d:\d\d\.\d{3} UTC\)")
        # back to UTC
        self.assertEqual(erin.post("/me/time-zone", {"time_zone": ""}).status, 303)
        self.assertEqual(self.zone_of("erin"), "")


if __name__ == "__main__":
    unittest.main()
