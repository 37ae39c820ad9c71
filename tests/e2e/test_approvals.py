"""test_approvals.py — who decides and how many, through nginx: quorum, self-approval, signatures,
one vote per person under concurrency, retries, deadlines with the injected clock, delegation,
manual tasks and output variables."""
import concurrent.futures
import datetime
import os
import re
import unittest

from harness import ServerTestCase, poll

GATE = """apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: gate
description: Two of three CAB members approve, then a DBA deploys.
variables: [version]
phases:
  - name: main
    activities:
      - name: build
        type: automated
      - name: cab
        type: approval
        depends_on: [build]
        approvers:
          rules: [{team: cab, min: 2}]
      - name: deploy
        type: manual
        depends_on: [cab]
        responsible: {team: dba}
        instructions: "Deploy {{release.version}}; last approval by {{activities.cab.outputs.responsible_user.display_name}} who said {{activities.cab.outputs.notes}}."
"""

TIMED = """apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: timed
variables: []
phases:
  - name: main
    activities:
      - name: expires
        type: approval
        approvers:
          rules: [{user: carol, min: 1}]
        deadline: 1h
        reminders: [30m]
        on_timeout: {action: reject}
"""

ESCALATING = """apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: escalating
variables: []
phases:
  - name: main
    activities:
      - name: escalates
        type: approval
        approvers:
          rules: [{user: carol, min: 1}]
        deadline: 2h
        on_timeout: {action: escalate, to: {team: admins}}
"""


class ApprovalsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        s.cli("team", "add", "cab")
        for name in ("u1", "u2", "u3"):
            s.cli("user", "add", name, "--email", name + "@example.com", "--display-name", name.upper() + " Person",
                  "--role", "approver", "--team", "cab", stdin="holdpoint-demo\n")
        s.cli("user", "add", "sam", "--email", "sam@example.com", "--display-name", "Sam Starter",
              "--role", "release_manager", "--role", "approver", "--team", "cab", stdin="holdpoint-demo\n")
        for name, text in (("gate", GATE), ("timed", TIMED)):
            path = os.path.join(s.data, name + ".yaml")
            with open(path, "w") as f:
                f.write(text)
            s.cli("template", "import", path)
        cls.tokens = {}
        for name in ("u1", "u2", "u3", "sam", "carol", "bob", "dave"):
            cls.tokens[name] = s.cli("token", "create", "--user", name, "--name", "t").stdout.strip()

    # -- helpers ---------------------------------------------------------------------------
    def api(self, token_user=None, token=None):
        return self.client(token=token or (self.tokens[token_user] if token_user else self.server.demo_token()))

    def create(self, template, variables, token_user=None, name="svc"):
        r = self.api(token_user).request("POST", "/api/v1/releases", json_body={
            "template": template, "name": name, "version": "1.0", "variables": variables})
        self.assertEqual(r.status, 201, r.text)
        return r.json()["id"]

    def activity(self, release_id, name):
        rel = self.api().get("/api/v1/releases/%d" % release_id).json()
        for ph in rel["phases"]:
            for a in ph["activities"]:
                if a["name"] == name:
                    return a
        raise AssertionError("no activity " + name)

    def result(self, release_id, name, value):
        aid = self.activity(release_id, name)["id"]
        r = self.api().request("POST", "/api/v1/activities/%d/result" % aid, json_body={"result": value})
        self.assertEqual(r.status, 200, r.text)

    def gate(self, token_user=None):
        rid = self.create("gate", {"version": "1.0"}, token_user)
        self.result(rid, "build", "pass")
        cab = self.activity(rid, "cab")
        self.assertEqual(cab["status"], "on_hold")
        return rid, cab["id"]

    def decide(self, user, aid, decision, comment=""):
        return self.api(user).request("POST", "/api/v1/activities/%d/decision" % aid,
                                      json_body={"decision": decision, "comment": comment})

    # -- quorum ----------------------------------------------------------------------------
    def test_two_of_three_completes_on_second_approval(self):
        rid, aid = self.gate()
        r = self.decide("u1", aid, "approve")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["state"], "pending")
        self.assertEqual(r.json()["needed"], 1)
        self.assertEqual(self.activity(rid, "cab")["status"], "on_hold")
        r = self.decide("u2", aid, "approve", "looks good")
        self.assertEqual(r.json()["state"], "approved")
        self.assertEqual(self.activity(rid, "cab")["status"], "completed")
        self.assertEqual(self.activity(rid, "deploy")["status"], "on_hold")
        r = self.decide("u3", aid, "approve")
        self.assertEqual(r.status, 409)

    def test_non_eligible_user_gets_403(self):
        rid, aid = self.gate()
        r = self.decide("bob", aid, "approve")
        self.assertEqual(r.status, 403)
        self.assertIn("not one of the approvers", r.json()["error"]["message"])
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 0)

    def test_self_approval_refused_but_others_count(self):
        rid, aid = self.gate(token_user="sam")
        r = self.decide("sam", aid, "approve")
        self.assertEqual(r.status, 403)
        self.assertIn("started this release", r.json()["error"]["message"])
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 0)
        self.assertEqual(self.decide("u1", aid, "approve").status, 200)

    def test_holdctl_approve_and_reject(self):
        rid, aid = self.gate()
        r = self.server.holdctl("approve", str(aid), "--comment", "ok from the pipeline", token=self.tokens["u1"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.server.holdctl("approve", str(aid), "--comment", "again", token=self.tokens["u1"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("already voted", r.stdout + r.stderr)
        r = self.server.holdctl("reject", "%d/cab" % rid, "--comment", "no", token=self.tokens["bob"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("not one of the approvers", r.stdout + r.stderr)
        r = self.server.holdctl("reject", "%d/cab" % rid, "--comment", "rollback missing", token=self.tokens["u2"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.activity(rid, "cab")["status"], "rejected")
        rows = self.server.sql("SELECT decision, channel FROM decisions WHERE activity_id=? ORDER BY id", aid)
        self.assertEqual(rows, [("approve", "api"), ("reject", "api")])

    def test_second_vote_is_409(self):
        rid, aid = self.gate()
        self.assertEqual(self.decide("u1", aid, "approve").status, 200)
        r = self.decide("u1", aid, "reject", "changed my mind")
        self.assertEqual(r.status, 409)
        self.assertIn("already voted", r.json()["error"]["message"])

    def test_reject_needs_comment_and_fails_phase_then_retry_round_two(self):
        rid, aid = self.gate()
        self.assertEqual(self.decide("u1", aid, "approve").status, 200)
        r = self.decide("u2", aid, "reject", "")
        self.assertEqual(r.status, 422)
        self.assertIn("comment", r.json()["error"]["message"])
        r = self.decide("u2", aid, "reject", "missing rollback plan")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["state"], "rejected")
        rel = self.api().get("/api/v1/releases/%d" % rid).json()
        self.assertEqual(rel["status"], "failed")
        self.assertEqual(rel["phases"][0]["status"], "failed")
        r = self.api().request("POST", "/api/v1/releases/%d/retry" % rid, json_body={"activity": "cab"})
        self.assertEqual(r.status, 200, r.text)
        cab = self.activity(rid, "cab")
        self.assertEqual((cab["status"], cab["round"]), ("on_hold", 2))
        # round 1's approval by u1 does not count; u1 may vote again in round 2
        r = self.decide("u1", aid, "approve")
        self.assertEqual(r.json()["needed"], 1)
        self.assertEqual(self.decide("u3", aid, "approve").json()["state"], "approved")
        rows = self.server.sql("SELECT round, count(*) FROM decisions WHERE activity_id=? GROUP BY round", aid)
        self.assertEqual(dict(rows), {1: 2, 2: 2})

    def test_fifty_concurrent_identical_approvals_give_one_decision(self):
        rid, aid = self.gate()

        def vote(_):
            return self.decide("u1", aid, "approve").status
        with concurrent.futures.ThreadPoolExecutor(max_workers=25) as ex:
            statuses = list(ex.map(vote, range(50)))
        self.assertEqual(statuses.count(200), 1, statuses)
        self.assertEqual(statuses.count(409), 49, statuses)
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=? AND user_id="
                                         "(SELECT id FROM users WHERE username='u1')", aid)[0][0], 1)

    def test_two_different_approvers_at_once_both_count(self):
        rid, aid = self.gate()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            statuses = list(ex.map(lambda u: self.decide(u, aid, "approve").status, ["u1", "u2"]))
        self.assertEqual(statuses, [200, 200])
        self.assertEqual(self.activity(rid, "cab")["status"], "completed")

    def test_inbox_quick_approve(self):
        rid, aid = self.gate()
        u3 = self.login("u3")
        inbox = u3.get("/?mine=1")
        self.assertIn('form="quick" formaction="/activities/%d/decision"' % aid, inbox.text)
        self.assertEqual(inbox.text.count('<form id="quick" method="post"'), 1)   # one form for every quick button
        r = u3.post("/activities/%d/decision" % aid, {"decision": "approve", "return": "inbox"})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/")
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 1)
        # the demo's production approval needs a signature: carol sees it, with no quick action
        prod = self.server.sql("SELECT id FROM activities WHERE name='production-approval' AND status='on_hold'")[0][0]
        page = self.login("carol").get("/?mine=1").text
        self.assertIn("/activities/%d" % prod, page)
        self.assertNotIn('formaction="/activities/%d/decision"' % prod, page)

    # -- manual tasks and outputs ------------------------------------------------------------
    def test_manual_task_take_proceed_and_output_variables(self):
        rid, aid = self.gate()
        self.decide("u1", aid, "approve", "first")
        self.decide("u3", aid, "approve", "ship it")
        deploy = self.activity(rid, "deploy")
        carol = self.login("carol")            # carol is in team dba
        page = carol.get("/activities/%d" % deploy["id"])
        self.assertIn("Deploy 1.0; last approval by U3 Person who said ship it.", page.text)
        self.assertIn("Take responsibility", page.text)
        dave = self.login("dave")              # not in dba
        self.assertEqual(dave.post("/activities/%d/take" % deploy["id"]).status, 403)
        r = carol.post("/activities/%d/task" % deploy["id"], {"action": "proceed", "notes": ""})
        self.assertEqual(r.status, 403)        # must take responsibility first
        self.assertEqual(carol.post("/activities/%d/take" % deploy["id"]).status, 303)
        # the holder may hand it back: nobody holds it, the team is told, and it can be taken again
        page = carol.get("/activities/%d" % deploy["id"]).text
        self.assertIn('action="/activities/%d/hand-back"' % deploy["id"], page)
        self.assertEqual(dave.post("/activities/%d/hand-back" % deploy["id"]).status, 409)   # dave holds nothing
        told = self.server.sql("SELECT count(*) FROM notifications")[0][0]
        r = carol.post("/activities/%d/hand-back" % deploy["id"])
        self.assertEqual(r.status, 303)
        self.assertIn("You handed the task back", carol.get(r.header("Location")).text)
        self.assertIsNone(self.server.sql("SELECT responsible_user_id FROM activities WHERE id=?", deploy["id"])[0][0])
        self.assertGreater(self.server.sql("SELECT count(*) FROM notifications")[0][0], told)
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='task.hand_back'"
                                         " AND object_id=? AND actor_name='carol'", deploy["id"])[0][0], 1)
        self.assertIn("handed deploy back", carol.get("/activities/%d" % deploy["id"]).text)
        self.assertEqual(carol.post("/activities/%d/hand-back" % deploy["id"]).status, 409)  # twice: nothing to give
        self.assertEqual(carol.post("/activities/%d/take" % deploy["id"]).status, 303)
        r = carol.post("/activities/%d/task" % deploy["id"], {"action": "abort", "notes": ""})
        self.assertEqual(r.status, 422)
        self.assertIn("notes are required", r.text)
        r = carol.post("/activities/%d/task" % deploy["id"], {"action": "proceed", "notes": "migrated"})
        self.assertEqual(r.status, 303)
        self.assertEqual(self.api().get("/api/v1/releases/%d" % rid).json()["status"], "completed")
        outs = dict(self.server.sql("SELECT key, value FROM outputs WHERE activity_id=?", deploy["id"]))
        self.assertEqual(outs["decision"], "proceeded")
        self.assertEqual(outs["notes"], "migrated")
        self.assertEqual(outs["responsible_user.username"], "carol")
        self.assertEqual(outs["responsible_user.email"], "carol@example.com")

    # -- signatures (browser) ---------------------------------------------------------------
    def test_signature_wrong_password_records_only_the_attempt(self):
        # The production approval of the delivery template carries a signature; QA signs off first.
        rid = self.create("delivery", {"image": "reg/app:1", "version": "2.0"})
        self.result(rid, "deploy-qa", "pass")
        qa = self.activity(rid, "qa-signoff")
        bob = self.login("bob")
        r = bob.post("/activities/%d/decision" % qa["id"], {"decision": "approve", "comment": "ok"})
        self.assertEqual(r.status, 422)                  # required fields are not filled yet
        # the core's error names the field: the message stands next to the report's input
        m = re.search(r'<p class="error" id="f_report-error">([^<]*)</p>', r.text)
        self.assertTrue(m and "Test report" in m.group(1), r.text[:3000])
        body, ctype = multipart({"csrf": bob.csrf, "field": "report"}, "file", "report.txt", b"all tests passed\n", "text/plain")
        r = bob.request("POST", "/activities/%d/evidence" % qa["id"], body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 303, r.text[:500])
        r = bob.post("/activities/%d/inputs" % qa["id"], {"f_all_passed": "on", "f_risk": "low"})
        self.assertEqual(r.status, 303, r.text[:500])
        r = bob.post("/activities/%d/decision" % qa["id"], {"decision": "approve", "comment": "ok"})
        self.assertEqual(r.status, 303, r.text[:800])
        self.result(rid, "evaluation", "warning")
        prod = self.activity(rid, "production-approval")
        self.assertEqual(prod["status"], "on_hold")
        carol = self.login("carol")
        page = carol.get("/activities/%d" % prod["id"])
        self.assertIn("Approved for release to production", page.text)
        self.assertIn('type="password"', page.text)
        r = carol.post("/activities/%d/decision" % prod["id"], {"decision": "approve", "comment": "", "password": "wrong-password"})
        self.assertEqual(r.status, 403)
        self.assertIn("password is not correct", r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", prod["id"])[0][0], 0)
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='signature.failed' AND object_id=?",
                                         prod["id"])[0][0], 1)
        # guessing the password by signing is throttled like signing in: the wrong tries count,
        # and past the limit even the right password waits (the sign-in limit is 5 in 15 minutes)
        for _ in range(4):
            r = carol.post("/activities/%d/decision" % prod["id"], {"decision": "approve", "comment": "", "password": "guess"})
            self.assertEqual(r.status, 403)
        r = carol.post("/activities/%d/decision" % prod["id"], {"decision": "approve", "comment": "", "password": "holdpoint-demo"})
        self.assertEqual(r.status, 429, r.text[:300])
        self.assertIn("Too many wrong passwords", r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", prod["id"])[0][0], 0)
        self.server.advance_clock(16 * 60)                 # the throttle's window passes
        # a token alone cannot sign
        r = self.decide("carol", prod["id"], "approve")
        self.assertEqual(r.status, 422)
        self.assertIn("signature", r.json()["error"]["message"])
        r = carol.post("/activities/%d/decision" % prod["id"], {"decision": "approve", "comment": "", "password": "holdpoint-demo"})
        self.assertEqual(r.status, 303, r.text[:500])
        row = self.server.sql("SELECT signed, signature_name, signature_meaning FROM decisions WHERE activity_id=?", prod["id"])
        self.assertEqual(row, [(1, "Carol Reliability", "Approved for release to production")])
        page = carol.get("/activities/%d" % prod["id"])
        self.assertIn("Carol Reliability", page.text)

    # -- delegation --------------------------------------------------------------------------
    def test_delegation_acting_for(self):
        rid, aid = self.gate()
        u2 = self.login("u2")
        today = datetime.datetime.now(datetime.timezone.utc).date()
        r = u2.post("/me/delegation", {"delegate": "bob", "starts": str(today - datetime.timedelta(days=1)),
                                       "ends": str(today + datetime.timedelta(days=7))})
        self.assertEqual(r.status, 303, r.text[:500])
        bob = self.login("bob")
        self.assertIn("/activities/%d" % aid, bob.get("/?mine=1").text)     # the delegate's inbox lists it
        page = bob.get("/activities/%d" % aid)
        self.assertIn("Acting for U2 Person", page.text)
        u2id = self.server.sql("SELECT id FROM users WHERE username='u2'")[0][0]
        r = bob.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "for u2", "acting_for": str(u2id)})
        self.assertEqual(r.status, 303, r.text[:500])
        row = self.server.sql("SELECT d.user_id, u.username FROM decisions d JOIN users u ON u.id=d.actor_id WHERE activity_id=?", aid)
        self.assertEqual(row, [(u2id, "bob")])
        audit = self.server.sql("SELECT acting_for_id, actor_name FROM audit_log WHERE action='decision.approve' AND object_id=?", aid)
        self.assertEqual(audit, [(u2id, "bob")])
        # u2 cannot vote again in the same round: the delegate used their vote
        self.assertEqual(self.decide("u2", aid, "approve").status, 409)
        # someone without a delegation cannot act for u2
        r = self.api("dave").request("POST", "/api/v1/activities/%d/decision" % aid,
                                     json_body={"decision": "approve", "acting_for": "u2"})
        self.assertEqual(r.status, 403)


class DeadlineTest(ServerTestCase):
    """Deadlines fire from the job runner with the injected clock (no sleeping for an hour)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, text in (("timed", TIMED), ("escalating", ESCALATING)):
            path = os.path.join(cls.server.data, name + ".yaml")
            with open(path, "w") as f:
                f.write(text)
            cls.server.cli("template", "import", path)

    def test_reminder_reject_and_escalation(self):
        c = self.client(token=self.server.demo_token())
        ids = {}
        for template, act in (("timed", "expires"), ("escalating", "escalates")):
            r = c.request("POST", "/api/v1/releases", json_body={"template": template, "name": "t", "variables": {}})
            self.assertEqual(r.status, 201, r.text)
            ids[act] = [a["id"] for ph in r.json()["phases"] for a in ph["activities"]][0]
        exp, esc = ids["expires"], ids["escalates"]
        self.server.advance_clock(31 * 60)          # inside the 30 min reminder window
        poll(lambda: self.server.sql("SELECT count(*) FROM audit_log WHERE action='activity.reminder' AND object_id=?", exp)[0][0] == 1,
             what="reminder")
        self.server.advance_clock(30 * 60)          # past the 1 h deadline
        poll(lambda: self.server.sql("SELECT status FROM activities WHERE id=?", exp)[0][0] == "rejected", what="expiry")
        self.assertEqual(self.server.sql("SELECT result FROM activities WHERE id=?", exp)[0][0], "expired")
        carol = self.client(token=self.server.cli("token", "create", "--user", "carol", "--name", "x").stdout.strip())
        r = carol.request("POST", "/api/v1/activities/%d/decision" % exp, json_body={"decision": "approve"})
        self.assertEqual(r.status, 409)
        self.assertEqual(self.server.sql("SELECT status FROM activities WHERE id=?", esc)[0][0], "on_hold")
        self.server.advance_clock(61 * 60)          # past the 2 h deadline of the other one
        poll(lambda: self.server.sql("SELECT escalated FROM activities WHERE id=?", esc)[0][0] == 1, what="escalation")
        admins = self.server.sql("SELECT u.username FROM eligible e JOIN users u ON u.id=e.user_id"
                                 " WHERE e.activity_id=? AND e.rule_index=-1", esc)
        self.assertEqual(admins, [("admin",)])
        admin = self.client(token=self.server.cli("token", "create", "--user", "admin", "--name", "x").stdout.strip())
        r = admin.request("POST", "/api/v1/activities/%d/decision" % esc, json_body={"decision": "approve"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["state"], "approved")
        # the reminder fired once only
        self.assertEqual(self.server.sql("SELECT count(*) FROM reminders_sent WHERE activity_id=?", exp)[0][0], 1)


def multipart(fields, file_field, filename, data, ctype):
    boundary = "----holdpointtest7d2f"
    parts = []
    for k, v in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                  % (boundary, file_field, filename, ctype)).encode() + data + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


if __name__ == "__main__":
    unittest.main()
