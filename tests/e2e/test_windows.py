"""test_windows.py — change windows and freezes, through nginx (issue 18, part 3).

Administrators define windows ("mon-fri 09:00-16:00" in a time zone) and freezes (a date range,
a reason, an emergency approver) per template or environment. An activity whose turn comes
outside its window waits, Scheduled, until the window opens (the job runner starts it); during a
freeze an approval also needs the emergency approver, and says so. Times are set with the test
clock (HOLDPOINT_CLOCK_FILE), never slept for; it only moves forward in this class.
"""
import calendar
import json
import os
import re
import time

from harness import ServerTestCase, poll

TEMPLATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: %(name)s
description: Tests, a QA sign-off, then production.
phases:
  - name: qa
    activities:
      - name: tests
        type: automated
      - name: qa-signoff
        type: approval
        depends_on: [tests]
        approvers:
          rules: [{team: qa, min: 1}]
  - name: %(env)s
    activities:
      - name: prod-approval
        type: approval
        approvers:
          rules: [{team: sre, min: 1}]
      - name: deploy
        type: automated
        depends_on: [prod-approval]
"""


def ms(iso):
    """UTC "2026-12-12T12:00" as milliseconds."""
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M")) * 1000


class WindowsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, env in (("win-a", "prod"), ("win-dst", "live"), ("frz-a", "frozen"), ("frz-b", "frozen-b"),
                          ("win-rm", "rm-env")):
            path = os.path.join(cls.server.data, name + ".yaml")
            with open(path, "w") as f:
                f.write(TEMPLATE % {"name": name, "env": env})
            cls.server.cli("template", "import", path)
        cls.api = cls.server.client(token=cls.server.demo_token())

    # ------------------------------------------------------------ helpers

    def set_clock(self, iso):
        """The server's clock reads iso (UTC) now; the offset is written atomically."""
        path = self.server.env["HOLDPOINT_CLOCK_FILE"]
        with open(path + ".tmp", "w") as f:
            f.write(str(ms(iso) - int(time.time() * 1000)))
        os.replace(path + ".tmp", path)

    def act(self, rid, name):
        return self.server.sql("SELECT id, status, scheduled_until, policy_json FROM activities"
                               " WHERE release_id=? AND name=?", rid, name)[0]

    def release(self, template):
        r = self.api.request("POST", "/api/v1/releases", json_body={"template": template, "name": "shop", "version": "1"})
        self.assertEqual(r.status, 201, r.text)
        return r.json()["id"]

    def to_prod(self, template):
        """A release of template brought to its second phase: tests pass, bob signs off."""
        rid = self.release(template)
        tests = self.act(rid, "tests")[0]
        self.assertEqual(self.api.request("POST", "/api/v1/activities/%d/result" % tests,
                                          json_body={"result": "pass"}).status, 200)
        self.decide("bob", self.act(rid, "qa-signoff")[0], 303)
        return rid

    def decide(self, who, aid, expect=303):
        c = self.login(who)
        c.get("/activities/%d" % aid)
        r = c.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "ok"})
        self.assertEqual(r.status, expect, r.text[:400])
        return r

    def admin(self):
        c = self.login("admin")
        c.get("/admin/windows")
        return c

    def add_window(self, c, **form):
        return c.post("/admin/windows", dict({"scope_kind": "environment", "label": ""}, **form))

    def add_freeze(self, c, **form):
        return c.post("/admin/freezes", dict({"scope_kind": "environment", "time_zone": "UTC",
                                              "approver_kind": "user", "approver_min": "1"}, **form))

    # ------------------------------------------------------------ tests

    def test_01_bad_windows_and_freezes_are_refused_next_to_the_field(self):
        self.set_clock("2026-12-12T12:00")
        c = self.admin()
        cases = [
            (dict(scope_name="prod", spec="mon-fry 09:00-16:00", time_zone="Europe/Berlin"), "w-spec-error", "ends with a day"),
            (dict(scope_name="prod", spec="mon-fri 9-16", time_zone="Europe/Berlin"), "w-spec-error", "HH:MM-HH:MM"),
            (dict(scope_name="prod", spec="mon-fri 09:00-16:00", time_zone="Mars/Olympus"), "w-time_zone-error", "time zone"),
            (dict(scope_kind="template", scope_name="no-such", spec="mon-fri 09:00-16:00", time_zone="UTC"),
             "w-scope_name-error", "no template named"),
            (dict(scope_name="", spec="mon-fri 09:00-16:00", time_zone="UTC"), "w-scope_name-error", "Name the environment"),
        ]
        for form, field, msg in cases:
            r = self.add_window(c, **form)
            self.assertEqual(r.status, 422, form)
            m = re.search(r'id="%s">([^<]*)<' % field, r.text)
            self.assertTrue(m and msg in m.group(1), (form, m and m.group(1)))
            self.assertIn('value="%s"' % form["spec"], r.text)          # what was typed stays
        self.assertEqual(self.server.sql("SELECT count(*) FROM change_windows")[0][0], 0)
        bad_freezes = [
            (dict(scope_name="prod", starts="2026-12-20T00:00", ends="2026-12-19T00:00", reason="x", approver_name="admin"),
             "f-ends-error", "end after it begins"),
            (dict(scope_name="prod", starts="2026-12-01T00:00", ends="2026-12-02T00:00", reason="x", approver_name="admin"),
             "f-ends-error", "over already"),
            (dict(scope_name="prod", starts="2026-12-20T00:00", ends="2026-12-27T00:00", reason="", approver_name="admin"),
             "f-reason-error", ""),
            (dict(scope_name="prod", starts="2026-12-20", ends="2026-12-27T00:00", reason="x", approver_name="admin"),
             "f-starts-error", "date and time"),
            (dict(scope_name="prod", starts="2026-12-20T00:00", ends="2026-12-27T00:00", reason="x", approver_name="nobody-here"),
             "f-approver_name-error", "nobody could approve"),
        ]
        for form, field, msg in bad_freezes:
            r = self.add_freeze(c, **form)
            self.assertEqual(r.status, 422, form)
            m = re.search(r'id="%s">([^<]*)<' % field, r.text)
            self.assertTrue(m and m.group(1) and msg in m.group(1), (form, m and m.group(1)))
        self.assertEqual(self.server.sql("SELECT count(*) FROM freezes")[0][0], 0)
        # only administrators
        r = self.login("alice").post("/admin/windows", {"scope_kind": "all", "spec": "daily 09:00-10:00", "time_zone": "UTC"})
        self.assertEqual(r.status, 403)

    def test_02_an_activity_outside_its_window_is_scheduled_until_it_opens(self):
        s = self.server
        self.set_clock("2026-12-12T12:00")                 # a Saturday
        c = self.admin()
        r = self.add_window(c, scope_name="prod", spec="Mon-Fri 09:00-16:00", time_zone="Europe/Berlin", label="office hours")
        self.assertEqual(r.status, 303, r.text[:300])
        page = c.get("/admin/windows").text
        self.assertIn("mon-fri 09:00-16:00", page)
        self.assertIn("Environment prod", page)
        self.assertIn("Opens 2026-12-14 08:00 UTC", page)   # admin has no zone of their own: UTC
        rid = self.to_prod("win-a")
        aid, status, until, _ = self.act(rid, "prod-approval")
        self.assertEqual(status, "scheduled")
        self.assertEqual(until, ms("2026-12-14T08:00"))     # Monday 09:00 in Berlin (CET)
        # visible: the activity page, the release page, the API, the admin page, the audit trail
        carol = self.login("carol")
        p = carol.get("/activities/%d" % aid).text
        self.assertIn("Scheduled", p)
        self.assertIn("2026-12-14 08:00", p)
        self.assertIn("mon-fri 09:00-16:00 Europe/Berlin (office hours)", p)
        self.assertNotIn('name="decision"', p)
        self.assertIn("starts 2026-12-14 08:00 UTC, when its change window opens", carol.get("/releases/%d" % rid).text)
        j = self.api.get("/api/v1/activities/%d" % aid).json()
        self.assertEqual(j["status"], "scheduled")
        self.assertTrue(j["scheduled_until"].startswith("2026-12-14T08:00:00"))
        self.assertIn("prod-approval", c.get("/admin/windows").text)
        metrics = s.client().get("/metrics").text
        self.assertIn("holdpoint_scheduled_activities 1\n", metrics)
        self.assertRegex(metrics, r"holdpoint_next_window_opening_seconds 1[45]\d{4}\.\d{3}\n")   # about 44 hours
        row = s.sql("SELECT details_json, actor_name FROM audit_log WHERE action='activity.scheduled' AND object_id=?", aid)
        self.assertEqual(json.loads(row[0][0])["window_opens"][:16], "2026-12-14T08:00")
        self.assertEqual(row[0][1], "bob")                  # his sign-off brought its turn
        # nobody can decide it before then, and it is in nobody's inbox
        self.decide("carol", aid, 409)
        self.assertNotIn("/activities/%d\"" % aid, carol.get("/").text)
        # Monday 08:59 Berlin: still closed; 09:00: the job runner starts it
        self.set_clock("2026-12-14T07:59")
        self.assertEqual(self.act(rid, "prod-approval")[1], "scheduled")
        self.set_clock("2026-12-14T08:00")
        poll(lambda: self.act(rid, "prod-approval")[1] == "on_hold", what="the window to open")
        self.decide("carol", aid)
        # the deploy's turn comes inside the window: it runs at once
        self.assertEqual(self.act(rid, "deploy")[1], "running")
        self.assertEqual(s.sql("SELECT count(*) FROM audit_log WHERE action='activity.on_hold' AND object_id=?"
                               " AND actor_name='holdpoint (change window)'", aid)[0][0], 1)

    def test_03_daylight_saving_changes_move_the_opening_in_utc(self):
        self.set_clock("2027-03-27T10:00")                 # Saturday before the spring change, after 09:00-10:00 CET
        c = self.admin()
        self.assertEqual(self.add_window(c, scope_name="Live", spec="daily 09:00-10:00", time_zone="Europe/Berlin").status, 303)   # case aside
        rid = self.to_prod("win-dst")
        self.assertEqual(self.act(rid, "prod-approval")[1:3], ("scheduled", ms("2027-03-28T07:00")))   # 09:00 CEST
        self.set_clock("2027-10-30T10:00")                 # Saturday before the autumn change, after 09:00-10:00 CEST
        rid2 = self.to_prod("win-dst")
        self.assertEqual(self.act(rid2, "prod-approval")[1:3], ("scheduled", ms("2027-10-31T08:00")))  # 09:00 CET
        # the first, left scheduled since March: the runner woke it, found its window closed again
        # (12:00 in Berlin), and it waits for the next opening
        poll(lambda: self.act(rid, "prod-approval")[2] == ms("2027-10-31T08:00"), what="the next opening")
        self.assertEqual(self.act(rid, "prod-approval")[1], "scheduled")
        self.set_clock("2027-10-31T08:00")
        poll(lambda: self.act(rid, "prod-approval")[1] == "on_hold" and self.act(rid2, "prod-approval")[1] == "on_hold",
             what="both to start at 09:00 CET")

    def test_04_a_freeze_adds_the_emergency_approver(self):
        s = self.server
        self.set_clock("2027-11-10T12:00")
        c = self.admin()
        r = self.add_freeze(c, scope_name="frozen", starts="2027-11-10T00:00", ends="2027-11-20T00:00",
                            reason="Year-end freeze: emergency fixes only", approver_name="admin")
        self.assertEqual(r.status, 303, r.text[:400])
        page = c.get("/admin/windows").text
        self.assertIn("Year-end freeze", page)
        self.assertIn("In force", page)
        rid = self.to_prod("frz-a")
        aid, status, _, policy = self.act(rid, "prod-approval")
        self.assertEqual(status, "on_hold")
        rules = json.loads(policy)["rules"]
        self.assertEqual(rules[-1], {"kind": "user", "name": "admin", "min": 1, "required": True})
        p = self.login("carol").get("/activities/%d" % aid).text
        self.assertIn("Change freeze", p)
        self.assertIn("Year-end freeze: emergency fixes only", p)
        self.assertIn("Emergency rule (freeze)", p)
        j = self.api.get("/api/v1/activities/%d" % aid).json()
        self.assertEqual(j["freeze"]["reason"], "Year-end freeze: emergency fixes only")
        self.assertEqual(j["freeze"]["approver"], {"kind": "user", "name": "admin", "min": 1})
        # carol's approval is not enough; the emergency approver's completes it
        self.decide("carol", aid)
        self.assertEqual(self.act(rid, "prod-approval")[1], "on_hold")
        self.decide("admin", aid)
        self.assertEqual(self.act(rid, "prod-approval")[1], "completed")
        self.assertEqual(s.sql("SELECT count(*) FROM audit_log WHERE action='activity.freeze_rule' AND object_id=?", aid)[0][0], 1)
        # the qa sign-off (another environment) did not need it
        self.assertNotIn("required", self.act(rid, "qa-signoff")[3])

    def test_05_a_freeze_that_begins_reaches_approvals_already_waiting_and_can_end_early(self):
        s = self.server
        self.set_clock("2027-11-25T12:00")
        rid = self.to_prod("frz-b")
        aid = self.act(rid, "prod-approval")[0]
        self.assertEqual(self.act(rid, "prod-approval")[1], "on_hold")
        c = self.admin()
        r = self.add_freeze(c, scope_kind="template", scope_name="frz-b", starts="2027-11-25T12:00", ends="2027-11-30T00:00",
                            reason="Data-centre move", approver_kind="team", approver_name="admins")
        self.assertEqual(r.status, 303, r.text[:400])
        poll(lambda: "admins" in self.act(rid, "prod-approval")[3], what="the freeze to reach the waiting approval")
        self.assertIn("admin", [u for (u,) in s.sql("SELECT u.username FROM eligible e JOIN users u ON u.id=e.user_id"
                                                    " WHERE e.activity_id=? AND e.rule_index=1", aid)])
        # the emergency approvers are told
        self.assertTrue(s.sql("SELECT count(*) FROM notifications n JOIN users u ON u.id=n.user_id"
                              " WHERE u.username='admin' AND n.link LIKE ?", "%%/activities/%d" % aid)[0][0] >= 1)
        self.decide("carol", aid)
        self.assertEqual(self.act(rid, "prod-approval")[1], "on_hold")
        # ended early: new approvals open without the rule; this round keeps it
        fid = s.sql("SELECT id FROM freezes WHERE reason='Data-centre move'")[0][0]
        r = c.post("/admin/freezes/%d/end" % fid, {})
        self.assertEqual(r.status, 303)
        self.assertIn("Ended early", c.get("/admin/windows").text)
        self.assertEqual(c.post("/admin/freezes/%d/end" % fid, {}).status, 303)       # again: said, nothing changes
        self.assertEqual(s.sql("SELECT count(*) FROM audit_log WHERE action='freeze.end'")[0][0], 1)
        rid2 = self.to_prod("frz-b")
        self.assertNotIn("admins", self.act(rid2, "prod-approval")[3])
        p = self.login("carol").get("/activities/%d" % aid).text
        self.assertIn("opened during the freeze and still needs", p)
        self.decide("admin", aid)
        self.assertEqual(self.act(rid, "prod-approval")[1], "completed")

    def test_06_removing_a_window_starts_what_it_held(self):
        self.set_clock("2027-12-04T12:00")                 # a Saturday
        c = self.admin()
        self.assertEqual(self.add_window(c, scope_kind="template", scope_name="win-rm", spec="mon-fri 09:00-10:00",
                                         time_zone="UTC").status, 303)
        # the template's windows hold every activity of its releases, automated ones too
        rid = self.release("win-rm")
        self.assertEqual(self.act(rid, "tests")[1:3], ("scheduled", ms("2027-12-06T09:00")))
        tests = self.act(rid, "tests")[0]
        r = self.api.request("POST", "/api/v1/activities/%d/result" % tests, json_body={"result": "pass"})
        self.assertEqual(r.status, 409)
        wid = self.server.sql("SELECT id FROM change_windows WHERE scope_name='win-rm'")[0][0]
        self.assertEqual(c.post("/admin/windows/%d/remove" % wid, {}).status, 303)
        poll(lambda: self.act(rid, "tests")[1] == "running", what="the held activity to start")
        self.assertEqual(c.post("/admin/windows/%d/remove" % wid, {}).status, 404)

    def test_07_the_api_lists_windows_and_freezes_and_administrators_add_freezes(self):
        s = self.server
        self.set_clock("2027-12-10T12:00")
        tok = re.search(r"hp_[0-9a-f]{32,}", s.cli("token", "create", "--user", "admin", "--name", "freezes").stdout).group(0)
        adm = s.client(token=tok)
        body = {"scope": {"kind": "environment", "name": "frozen"}, "starts_at": "2027-12-20T00:00:00Z",
                "ends_at": "2028-01-04T08:00Z", "reason": "Holidays", "approver": {"kind": "team", "name": "admins", "min": 1},
                "time_zone": "Europe/Berlin"}
        self.assertEqual(self.api.request("POST", "/api/v1/freezes", json_body=body).status, 403)   # alice
        for bad, field in ((dict(body, starts_at="next week"), "starts_at"),
                           (dict(body, ends_at="2027-12-19T00:00Z"), "ends_at"),
                           (dict(body, approver={"kind": "team", "name": "nope"}), "approver.name"),
                           (dict(body, approver={"kind": "group", "name": "admins"}), "approver.kind"),
                           (dict(body, scope={"kind": "template", "name": "no-such"}), "scope.name"),
                           (dict(body, reason=""), "reason"),
                           (dict(body, colour="blue"), "colour")):
            r = adm.request("POST", "/api/v1/freezes", json_body=bad)
            self.assertEqual(r.status, 422, (bad, r.text))
            self.assertIn(field, r.json()["error"]["message"])
        r = adm.request("POST", "/api/v1/freezes", json_body=body)
        self.assertEqual(r.status, 201, r.text)
        f = r.json()
        self.assertEqual((f["state"], f["starts_at"][:16], f["approver"]), ("coming", "2027-12-20T00:00", {"kind": "team", "name": "admins", "min": 1}))
        listed = self.api.get("/api/v1/freezes").json()["freezes"]
        self.assertIn(f["id"], [x["id"] for x in listed])
        windows = self.api.get("/api/v1/windows").json()["windows"]
        self.assertIn("daily 09:00-10:00", [w["spec"] for w in windows])
        self.assertTrue(all("open_now" in w and "next_opening" in w for w in windows))
        self.assertEqual(adm.request("POST", "/api/v1/freezes/%d/end" % f["id"]).status, 200)
        self.assertEqual(adm.request("POST", "/api/v1/freezes/%d/end" % f["id"]).status, 409)
        self.assertEqual(adm.request("POST", "/api/v1/freezes/999999/end").status, 404)

    def test_99_audit_trail_intact_and_no_database_warnings(self):
        out = self.server.cli("audit", "verify").stdout
        self.assertIn("intact", out)
        self.assertNotIn(" db: ", self.server.read_log())
