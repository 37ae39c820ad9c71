"""test_releases.py — release orchestration end to end: templates, the engine through the
JSON API (/api/v1/releases, /approvals, /activities), holdctl, and the operator commands.

Decisions are made with the operator command `holdpoint engine complete` (the engine's
own entry point), so these tests do not depend on the approvals module.
"""
import glob
import json
import os
import re
import select
import subprocess
import tempfile
import time
import unittest

import harness

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

GATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: e2e-gate
description: One conditional gate and a manual rollout.
variables: [image]
on_reject: fail_phase
phases:
  - name: verify
    activities:
      - name: evaluation
        type: automated
      - name: gate
        type: approval
        depends_on: [evaluation]
        when: {pass: automatic, warning: manual}
        approvers:
          rules: [{team: sre, min: 1}]
      - name: rollout
        type: manual
        depends_on: [gate]
        responsible: {team: dba}
"""

BROKEN = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: broken
phases:
  - name: p
    activities:
      - name: a
        type: automated
        colour: blue
"""


class ReleasesTest(harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="holdpoint-e2e-tpl-")
        path = os.path.join(cls.tmp, "gate.yaml")
        with open(path, "w") as f:
            f.write(GATE)
        cls.server.cli("template", "import", path)
        cls.token = cls.server.demo_token()
        cls.erin = cls.server.cli("token", "create", "--user", "erin", "--name", "t").stdout.strip()
        cls.bob = cls.server.cli("token", "create", "--user", "bob", "--name", "t").stdout.strip()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for p in glob.glob(os.path.join(cls.tmp, "*")):
            os.unlink(p)
        os.rmdir(cls.tmp)

    # ------------------------------------------------------------ helpers

    def api(self, method, path, body=None, token=None, raw=None, headers=None):
        c = self.client(token=self.token if token is None else token)
        if raw is not None:
            return c.request(method, path, body=raw, headers=headers or {"Content-Type": "application/json"})
        return c.request(method, path, json_body=body, headers=headers)

    def create(self, template="e2e-gate", name="e2e-service", version="9.0.0", variables=None):
        if variables is None:
            variables = {"image": "registry.example/e2e:" + version}
            if template == "delivery":
                variables["version"] = version
        r = self.api("POST", "/api/v1/releases", {"template": template, "name": name, "version": version,
                                                  "artifact": "registry.example/checkout:" + version,
                                                  "variables": variables})
        self.assertEqual(r.status, 201, r.text)
        return r.json()

    def release(self, rid):
        r = self.api("GET", "/api/v1/releases/%d" % rid)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    @staticmethod
    def act(rel, name):
        for ph in rel["phases"]:
            for a in ph["activities"]:
                if a["name"] == name:
                    return a
        raise AssertionError("no activity " + name)

    @staticmethod
    def phase(rel, name):
        for ph in rel["phases"]:
            if ph["name"] == name:
                return ph
        raise AssertionError("no phase " + name)

    def status_of(self, rid, name):
        return self.act(self.release(rid), name)["status"]

    def result(self, rid, name, result, details=None, expect=200):
        aid = self.act(self.release(rid), name)["id"]
        body = {"result": result}
        if details is not None:
            body["details"] = details
        r = self.api("POST", "/api/v1/activities/%d/result" % aid, body)
        self.assertEqual(r.status, expect, r.text)
        return r

    def complete(self, rid, name, outcome, check=True):
        aid = self.act(self.release(rid), name)["id"]
        return self.server.cli("engine", "complete", str(aid), outcome, "--comment", "e2e " + outcome, check=check)

    def assert_error(self, r, status, mentions=None):
        self.assertEqual(r.status, status, r.text)
        err = r.json()["error"]
        self.assertTrue(err["code"] and err["message"], err)
        if mentions:
            self.assertIn(mentions, err["message"])

    # ------------------------------------------------------------ the API

    def test_01_create_returns_the_release(self):
        r = self.api("POST", "/api/v1/releases", {"template": "delivery", "name": "checkout-service",
                                                  "version": "2.5.0", "artifact": "registry.example/checkout:2.5.0",
                                                  "variables": {"image": "registry.example/checkout:2.5.0",
                                                                "version": "2.5.0"}})
        self.assertEqual(r.status, 201, r.text)
        rel = r.json()
        self.assertEqual(r.header("Location"), "/api/v1/releases/%d" % rel["id"])
        self.assertEqual(rel["name"], "checkout-service")
        self.assertEqual(rel["version"], "2.5.0")
        self.assertEqual(rel["artifact"], "registry.example/checkout:2.5.0")
        self.assertEqual(rel["template"]["name"], "delivery")
        self.assertGreaterEqual(rel["template"]["version"], 1)
        self.assertEqual(rel["started_by"]["username"], "alice")
        self.assertRegex(rel["created_at"], ISO)
        self.assertIsNone(rel["finished_at"])
        self.assertEqual(rel["variables"], {"image": "registry.example/checkout:2.5.0", "version": "2.5.0"})
        self.assertEqual(rel["status"], "running")
        self.assertEqual([p["name"] for p in rel["phases"]], ["qa", "production"])
        self.assertEqual([p["position"] for p in rel["phases"]], [1, 2])
        self.assertEqual(self.phase(rel, "qa")["status"], "running")
        self.assertEqual(self.phase(rel, "production")["status"], "pending")
        self.assertEqual(self.act(rel, "deploy-qa")["status"], "running")
        self.assertEqual(self.act(rel, "deploy-qa")["kind"], "automated")
        self.assertEqual(self.act(rel, "qa-signoff")["status"], "blocked")
        self.assertEqual(self.act(rel, "qa-signoff")["depends_on"], ["deploy-qa"])
        self.assertEqual(self.act(rel, "qa-signoff")["round"], 1)
        self.assertEqual(self.act(rel, "db-migration")["depends_on"], ["production-approval", "security-review"])
        # GET answers with the same shape
        self.assertEqual(self.release(rel["id"]), rel)
        # the audit trail has the creation
        rows = self.server.sql("SELECT actor_name FROM audit_log WHERE action='release.create' AND release_id=?", rel["id"])
        self.assertEqual(rows, [("alice",)])

    def test_02_results_bring_the_release_on_hold(self):
        rid = self.create("delivery", version="2.6.0")["id"]
        r = self.result(rid, "deploy-qa", "pass", {"tests": 418, "failed": 0})
        a = r.json()
        self.assertEqual((a["name"], a["status"], a["result"]), ("deploy-qa", "completed", "pass"))
        self.assertEqual(a["result_details"], {"tests": 418, "failed": 0})
        rel = self.release(rid)
        self.assertEqual(rel["status"], "on_hold")
        self.assertEqual(self.phase(rel, "qa")["status"], "waiting_for_approval")
        self.assertEqual(self.act(rel, "qa-signoff")["status"], "on_hold")
        self.assertRegex(self.act(rel, "qa-signoff")["activated_at"], ISO)
        signoff = self.act(rel, "qa-signoff")["id"]
        # the inbox: everyone sees it; "mine" only for the eligible qa person
        items = self.api("GET", "/api/v1/approvals?status=pending").json()["approvals"]
        self.assertIn(signoff, [i["id"] for i in items])
        item = [i for i in items if i["id"] == signoff][0]
        self.assertEqual(item["release"], {"id": rid, "name": "e2e-service", "version": "2.6.0"})
        self.assertEqual(item["phase"]["name"], "qa")
        self.assertEqual(item["url"], "/activities/%d" % signoff)
        mine_bob = self.api("GET", "/api/v1/approvals?status=pending&mine=1", token=self.bob).json()["approvals"]
        self.assertIn(signoff, [i["id"] for i in mine_bob])
        mine_alice = self.api("GET", "/api/v1/approvals?status=pending&mine=1").json()["approvals"]
        self.assertNotIn(signoff, [i["id"] for i in mine_alice])
        # a vote by bob in this round takes it out of his "mine"
        self.server.cli("engine", "complete", str(signoff), "approved")
        rel = self.release(rid)
        self.assertEqual(self.phase(rel, "qa")["status"], "completed")
        self.assertEqual(self.phase(rel, "production")["status"], "running")
        self.assertEqual(rel["status"], "running")
        # evaluation warns: two approvals wait, the migration is blocked
        self.result(rid, "evaluation", "warning")
        rel = self.release(rid)
        self.assertEqual(rel["status"], "on_hold")
        self.assertEqual(rel["waiting"], 2)
        prod = self.phase(rel, "production")
        self.assertEqual(prod["status"], "waiting_for_approval")
        self.assertEqual(prod["waiting"], 2)
        self.assertEqual(self.act(rel, "production-approval")["status"], "on_hold")
        self.assertEqual(self.act(rel, "security-review")["status"], "on_hold")
        self.assertEqual(self.act(rel, "db-migration")["status"], "blocked")
        self.assertRegex(self.act(rel, "production-approval")["deadline_at"], ISO)
        # the activity view: policy, eligible people per rule, no votes yet
        aid = self.act(rel, "production-approval")["id"]
        a = self.api("GET", "/api/v1/activities/%d" % aid).json()
        self.assertEqual(a["status"], "on_hold")
        self.assertEqual(a["release"]["id"], rid)
        self.assertEqual(a["phase"]["name"], "production")
        self.assertEqual([(r["kind"], r["name"]) for r in a["policy"]["rules"]], [("team", "sre"), ("team", "product")])
        self.assertEqual([(e["rule"], e["users"]) for e in a["eligible"]], [(0, ["carol"]), (1, ["dave"])])
        self.assertEqual(a["votes"], [])
        self.assertEqual(a["inputs"], [])
        self.assertEqual(a["evidence"], [])
        self.assertEqual(a["outputs"], {})
        self.assertEqual(a["signature"], {"required": True, "meaning": "Approved for release to production"})
        self.assertEqual(a["depends_on"], ["evaluation"])
        # approved and migrated: the release completes
        self.complete(rid, "production-approval", "approved")
        self.complete(rid, "security-review", "approved")
        self.assertEqual(self.status_of(rid, "db-migration"), "on_hold")
        self.complete(rid, "db-migration", "proceeded")
        rel = self.release(rid)
        self.assertEqual(rel["status"], "completed")
        self.assertRegex(rel["finished_at"], ISO)
        self.assertTrue(all(p["status"] == "completed" for p in rel["phases"]))

    def test_03_conditional_pass_is_automatic(self):
        rid = self.create()["id"]
        self.assertEqual(self.status_of(rid, "gate"), "blocked")
        self.result(rid, "evaluation", "pass")
        rel = self.release(rid)
        gate = self.act(rel, "gate")
        self.assertEqual((gate["status"], gate["result"]), ("completed", "approved"))
        self.assertEqual(self.act(rel, "rollout")["status"], "on_hold")
        # nobody was asked and nobody voted; the record says the engine did it
        self.assertEqual(self.server.sql("SELECT count(*) FROM eligible WHERE activity_id=?", gate["id"]), [(0,)])
        self.assertEqual(self.server.sql("SELECT count(*) FROM decisions WHERE activity_id=?", gate["id"]), [(0,)])
        rows = self.server.sql("SELECT actor_id, actor_name, details_json FROM audit_log"
                               " WHERE action='activity.complete' AND object_id=?", gate["id"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], 0)
        self.assertIn("automatic", rows[0][1])
        self.assertEqual(json.loads(rows[0][2])["because"], "evaluation")
        a = self.api("GET", "/api/v1/activities/%d" % gate["id"]).json()
        self.assertEqual(a["result_details"]["automatic"], True)

    def test_04_conditional_warning_waits_for_people(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")
        rel = self.release(rid)
        self.assertEqual(self.act(rel, "gate")["status"], "on_hold")
        self.assertEqual(self.act(rel, "rollout")["status"], "blocked")
        self.assertEqual(rel["status"], "on_hold")
        self.assertEqual(self.phase(rel, "verify")["status"], "waiting_for_approval")
        gate = self.act(rel, "gate")["id"]
        self.assertEqual(self.server.sql("SELECT count(*) FROM eligible WHERE activity_id=? AND round=1", gate), [(1,)])

    def test_05_conditional_fail_rejects(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "fail", {"slo": "latency"})
        rel = self.release(rid)
        self.assertEqual(self.act(rel, "evaluation")["status"], "failed")
        gate = self.act(rel, "gate")
        self.assertEqual((gate["status"], gate["result"]), ("rejected", "rejected"))
        self.assertEqual(self.act(rel, "rollout")["status"], "blocked")
        self.assertEqual(self.phase(rel, "verify")["status"], "failed")
        self.assertEqual(rel["status"], "on_hold")          # fail_phase: waiting for a retry

    def test_06_error_statuses(self):
        rid = self.create()["id"]
        rel = self.release(rid)
        evaluation = self.act(rel, "evaluation")["id"]
        gate = self.act(rel, "gate")["id"]
        # 400 malformed JSON
        r = self.api("POST", "/api/v1/releases", raw=b'{"template": "e2e-gate",')
        self.assert_error(r, 400)
        r = self.api("POST", "/api/v1/activities/%d/result" % evaluation, raw=b"[1,2")
        self.assert_error(r, 400)
        # 401 without or with a bad token
        r = self.client().request("GET", "/api/v1/releases/%d" % rid)
        self.assert_error(r, 401)
        r = self.api("POST", "/api/v1/releases", {"template": "e2e-gate"}, token="hp_" + "0" * 64)
        self.assert_error(r, 401)
        # 403: erin (auditor) reads but may not start or steer releases
        self.assertEqual(self.api("GET", "/api/v1/releases/%d" % rid, token=self.erin).status, 200)
        r = self.api("POST", "/api/v1/releases", {"template": "e2e-gate", "name": "x", "variables": {"image": "i"}},
                     token=self.erin)
        self.assert_error(r, 403)
        self.assert_error(self.api("POST", "/api/v1/activities/%d/result" % evaluation, {"result": "pass"},
                                   token=self.erin), 403)
        self.assert_error(self.api("POST", "/api/v1/releases/%d/abort" % rid, {}, token=self.erin), 403)
        self.assert_error(self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "gate"}, token=self.erin), 403)
        # 404 unknown ids
        self.assert_error(self.api("GET", "/api/v1/releases/999999"), 404)
        self.assert_error(self.api("GET", "/api/v1/activities/999999"), 404)
        self.assert_error(self.api("POST", "/api/v1/activities/999999/result", {"result": "pass"}), 404)
        self.assert_error(self.api("POST", "/api/v1/releases/999999/retry", {"activity": "gate"}), 404)
        self.assert_error(self.api("POST", "/api/v1/releases/999999/abort", {}), 404)
        # 422 validation errors name the field
        self.assert_error(self.api("POST", "/api/v1/activities/%d/result" % evaluation, {"result": "passed"}), 422, "result")
        self.assert_error(self.api("POST", "/api/v1/activities/%d/result" % evaluation, {}), 422, "result")
        self.assert_error(self.api("POST", "/api/v1/releases", {"template": "e2e-gate", "name": "x", "variables": {}}),
                          422, "variables.image")
        self.assert_error(self.api("POST", "/api/v1/releases", {"template": "e2e-gate", "name": "x",
                                                                "variables": {"image": "i", "colour": "blue"}}),
                          422, "variables.colour")
        self.assert_error(self.api("POST", "/api/v1/releases", {"template": "e2e-gate", "name": "x",
                                                                "variables": {"image": ["i"]}}),
                          422, "variables.image")
        self.assert_error(self.api("POST", "/api/v1/releases", {"template": "no-such-template", "name": "x"}), 422, "template")
        self.assert_error(self.api("POST", "/api/v1/releases", {"template": "e2e-gate", "variables": {"image": "i"}}),
                          422, "name")
        self.assert_error(self.api("POST", "/api/v1/releases", {"template": "e2e-gate", "name": 5}), 422, "name")
        self.assert_error(self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "nope"}), 422, "activity")
        self.assert_error(self.api("GET", "/api/v1/releases?status=bogus"), 422, "status")
        self.assert_error(self.api("GET", "/api/v1/approvals?status=done"), 422, "status")
        # 409 wrong state: a result for an approval, a result twice, a retry of a completed activity
        self.assert_error(self.api("POST", "/api/v1/activities/%d/result" % gate, {"result": "pass"}), 409)
        self.result(rid, "evaluation", "warning")
        self.assert_error(self.api("POST", "/api/v1/activities/%d/result" % evaluation, {"result": "pass"}), 409)
        self.assert_error(self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "evaluation"}), 409, "retried")
        self.assert_error(self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "gate"}), 409)
        # nothing was created by the refused requests
        self.assertEqual(self.server.sql("SELECT count(*) FROM releases WHERE name='x'"), [(0,)])

    def test_07_retry_after_reject_opens_round_2(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")
        self.complete(rid, "gate", "rejected")
        rel = self.release(rid)
        gate = self.act(rel, "gate")
        self.assertEqual((gate["status"], gate["result"], gate["round"]), ("rejected", "rejected", 1))
        self.assertEqual(self.phase(rel, "verify")["status"], "failed")
        self.assertEqual(rel["status"], "on_hold")
        r = self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "gate"})
        self.assertEqual(r.status, 200, r.text)
        rel = r.json()
        gate = self.act(rel, "gate")
        self.assertEqual((gate["status"], gate["round"], gate["result"]), ("on_hold", 2, None))
        self.assertEqual(self.phase(rel, "verify")["status"], "waiting_for_approval")
        self.assertEqual(rel["status"], "on_hold")
        self.assertEqual(self.server.sql("SELECT count(*) FROM eligible WHERE activity_id=? AND round=2", gate["id"]), [(1,)])
        self.assertEqual(self.api("GET", "/api/v1/activities/%d" % gate["id"]).json()["round"], 2)
        # by id works too, and only once
        self.assert_error(self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": gate["id"]}), 409)
        self.complete(rid, "gate", "approved")
        self.assertEqual(self.status_of(rid, "rollout"), "on_hold")

    def test_08_retry_of_a_failed_release(self):
        rid = self.create("delivery", version="2.7.0")["id"]
        self.result(rid, "deploy-qa", "pass")
        self.complete(rid, "qa-signoff", "rejected")
        rel = self.release(rid)
        self.assertEqual(rel["status"], "failed")               # delivery: on_reject fail_release
        self.assertRegex(rel["finished_at"], ISO)
        self.assertEqual(self.phase(rel, "qa")["status"], "failed")
        r = self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "qa-signoff"})
        self.assertEqual(r.status, 200, r.text)
        rel = r.json()
        self.assertEqual(rel["status"], "on_hold")
        self.assertIsNone(rel["finished_at"])
        self.assertEqual(self.act(rel, "qa-signoff")["round"], 2)

    def test_09_abort(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")
        r = self.api("POST", "/api/v1/releases/%d/abort" % rid, {"reason": "Customer freeze"})
        self.assertEqual(r.status, 200, r.text)
        rel = r.json()
        self.assertEqual(rel["status"], "aborted")
        self.assertEqual(self.act(rel, "evaluation")["status"], "completed")
        self.assertEqual(self.act(rel, "gate")["status"], "aborted")
        self.assertEqual(self.act(rel, "rollout")["status"], "aborted")
        self.assertEqual(self.phase(rel, "verify")["status"], "aborted")
        rows = self.server.sql("SELECT details_json FROM audit_log WHERE action='release.abort' AND release_id=?", rid)
        self.assertEqual(json.loads(rows[0][0])["reason"], "Customer freeze")
        self.assert_error(self.api("POST", "/api/v1/releases/%d/abort" % rid, {}), 409)
        self.assert_error(self.api("POST", "/api/v1/releases/%d/retry" % rid, {"activity": "gate"}), 409)
        self.assertNotIn(self.act(rel, "gate")["id"],
                         [i["id"] for i in self.api("GET", "/api/v1/approvals").json()["approvals"]])

    def test_10_lists(self):
        self.create(name="list-me")
        r = self.api("GET", "/api/v1/releases")
        self.assertEqual(r.status, 200)
        page = r.json()
        self.assertEqual(page["page"], 1)
        self.assertEqual(page["per_page"], 50)
        ids = [x["id"] for x in page["releases"]]
        self.assertEqual(ids, sorted(ids, reverse=True))        # newest first
        self.assertEqual(page["releases"][0]["name"], "list-me")
        self.assertEqual(page["total"], len(ids))
        self.assertIsNone(page["next"])
        # by key: following "next" walks every release once, newest first, whatever the depth
        for i in range(60 - len(ids)):
            self.create(name="list-%d" % i)
        everyone = [x for (x,) in self.server.sql("SELECT id FROM releases ORDER BY id DESC")]
        seen, url = [], "/api/v1/releases"
        while url:
            j = self.api("GET", url).json()
            self.assertLessEqual(len(j["releases"]), 50)
            seen += [x["id"] for x in j["releases"]]
            url = j["next"]
        self.assertEqual(seen, everyone)
        self.assertEqual(self.api("GET", "/api/v1/releases").json()["total"], len(everyone))
        self.assert_error(self.api("GET", "/api/v1/releases?older=x"), 422, "older")
        self.assert_error(self.api("GET", "/api/v1/releases?older=5&page=2"), 422, "older")
        held = self.api("GET", "/api/v1/releases?status=on_hold").json()["releases"]
        self.assertTrue(held)
        self.assertTrue(all(x["status"] == "on_hold" for x in held))
        self.assertEqual(self.api("GET", "/api/v1/releases?page=3").json()["releases"], [])
        self.assert_error(self.api("GET", "/api/v1/releases?page=0"), 422, "page")
        # approvals: most urgent first, undated last
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")                # an undated gate
        items = self.api("GET", "/api/v1/approvals?status=pending").json()["approvals"]
        dated = [i["deadline_at"] for i in items if i["deadline_at"]]
        self.assertTrue(dated)
        self.assertEqual(dated, sorted(dated))
        seen_undated = False
        for i in items:
            if i["deadline_at"] is None:
                seen_undated = True
            else:
                self.assertFalse(seen_undated, "a dated item after an undated one")
        self.assertTrue(seen_undated)

    # ------------------------------------------------------------ holdctl

    def test_20_holdctl_trigger_status_result(self):
        r = self.server.holdctl("trigger", "e2e-gate", "--name", "web", "--version", "3.1.0",
                                "--artifact", "registry.example/web:3.1.0", "--var", "image=registry.example/web:3.1.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        rid = int(r.stdout.strip())
        rel = self.release(rid)
        self.assertEqual((rel["name"], rel["version"], rel["artifact"]), ("web", "3.1.0", "registry.example/web:3.1.0"))
        r = self.server.holdctl("status", str(rid))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Status: running", r.stdout)
        self.assertRegex(r.stdout, r"evaluation\s+automated\s+running")
        self.assertRegex(r.stdout, r"gate\s+approval\s+blocked")
        r = self.server.holdctl("result", "%d/evaluation" % rid, "warning", "--details", '{"p99_ms": 212}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("completed", r.stdout)
        a = self.act(self.release(rid), "evaluation")
        self.assertEqual((a["status"], a["result"]), ("completed", "warning"))
        r = self.server.holdctl("status", str(rid))
        self.assertIn("Status: on_hold (1 activity waiting for people)", r.stdout)
        self.assertRegex(r.stdout, r"gate\s+approval\s+on_hold")
        # the server's refusal, readably
        r = self.server.holdctl("result", str(a["id"]), "pass")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not waiting for a result", r.stderr)
        self.assertIn("409", r.stderr)
        r = self.server.holdctl("trigger", "e2e-gate", "--name", "web", "--version", "3.1.1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("variables.image", r.stderr)
        r = self.server.holdctl("status", "999999")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such release", r.stderr)

    def test_21_holdctl_usage_and_configuration_errors(self):
        self.assertEqual(self.server.holdctl("result", "1", "passed").returncode, 3)
        self.assertEqual(self.server.holdctl("trigger", "e2e-gate").returncode, 3)
        self.assertEqual(self.server.holdctl("wait", "1", "--timeout", "soon").returncode, 3)
        self.assertEqual(self.server.holdctl("frobnicate").returncode, 3)
        r = self.server.holdctl("status", "1", token="hp_" + "1" * 64)
        self.assertEqual(r.returncode, 3)
        self.assertIn("HOLDPOINT_TOKEN", r.stderr)
        env = dict(self.server.env)
        env.pop("HOLDPOINT_URL", None)
        env["HOLDPOINT_TOKEN"] = self.token
        r = subprocess.run([harness.HOLDCTL, "status", "1"], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 3)
        self.assertIn("HOLDPOINT_URL is not set", r.stderr)
        env["HOLDPOINT_URL"] = "http://127.0.0.1:%d" % harness.free_port()
        r = subprocess.run([harness.HOLDCTL, "status", "1"], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot reach HOLDPOINT_URL", r.stderr)
        # approve/reject call the decisions endpoint and print the server's message
        r = self.server.holdctl("approve", "999999", "--comment", "ok")
        self.assertEqual(r.returncode, 1)
        self.assertIn("HTTP 404", r.stderr)

    def _wait_started(self, proc):
        """The first progress line of a running `holdctl wait` (bounded), proving it waits."""
        ready, _, _ = select.select([proc.stderr], [], [], 30)
        self.assertTrue(ready, "holdctl wait printed nothing")
        line = proc.stderr.readline()
        self.assertIsNone(proc.poll())
        return line

    def _popen_wait(self, *args):
        env = dict(self.server.env)
        env["HOLDPOINT_URL"] = self.server.url("").rstrip("/")
        env["HOLDPOINT_TOKEN"] = self.token
        return subprocess.Popen([harness.HOLDCTL, "wait"] + list(args), env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def test_22_holdctl_wait_approved_is_0(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")
        proc = self._popen_wait(str(rid), "--activity", "gate", "--timeout", "60s")
        try:
            self.assertIn("gate: on_hold", self._wait_started(proc))
            self.complete(rid, "gate", "approved")
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("gate: completed, approved", out)

    def test_23_holdctl_wait_rejected_is_1(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")
        proc = self._popen_wait(str(rid), "--activity", "gate", "--timeout", "60s")
        try:
            self._wait_started(proc)
            self.complete(rid, "gate", "rejected")
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("rejected", out)

    def test_24_holdctl_wait_timeout_is_2(self):
        rid = self.create()["id"]
        self.result(rid, "evaluation", "warning")
        t0 = time.monotonic()
        r = self.server.holdctl("wait", str(rid), "--activity", "gate", "--timeout", "2s", timeout=60)
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("timed out", r.stderr)
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 15)

    def test_25_holdctl_wait_whole_release(self):
        # the demo data: one completed release, one rejected in QA
        done = [x["id"] for x in self.api("GET", "/api/v1/releases?status=completed").json()["releases"]]
        failed = [x["id"] for x in self.api("GET", "/api/v1/releases?status=failed").json()["releases"]]
        rels = (done, failed)
        self.assertTrue(done and failed, rels)
        r = self.server.holdctl("wait", str(done[0]), "--timeout", "30s")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.holdctl("wait", str(failed[0]), "--timeout", "30s")
        self.assertEqual(r.returncode, 1, r.stderr)
        # an activity of a failed release that will never run
        r = self.server.holdctl("wait", str(failed[0]), "--activity", "db-migration", "--timeout", "30s")
        self.assertEqual(r.returncode, 1, r.stderr)
        r = self.server.holdctl("wait", str(done[0]), "--activity", "no-such", "--timeout", "30s")
        self.assertEqual(r.returncode, 3, r.stderr)

    # ------------------------------------------------------------ templates and demo data

    def test_30_every_example_imports(self):
        examples = sorted(glob.glob(os.path.join(harness.ROOT, "docs", "examples", "*.yaml")))
        self.assertTrue(examples)
        for path in examples:
            r = self.server.cli("template", "import", path, check=False)
            self.assertEqual(r.returncode, 0, "%s: %s" % (path, r.stderr))
            # the demo imported delivery.yaml already: the same text is not a new version
            self.assertRegex(r.stdout, r"^(imported template|template \S+ is unchanged)")
        listing = self.server.cli("template", "list").stdout
        for name in ("delivery", "saas", "regulated", "high-availability", "e2e-gate"):
            self.assertIn(name, listing)
        # re-importing the same text keeps the version; a changed text makes the next one
        before = self.server.sql("SELECT max(version) FROM templates WHERE name='delivery'")[0][0]
        r = self.server.cli("template", "import", os.path.join(harness.ROOT, "docs", "examples", "delivery.yaml"))
        self.assertIn("is unchanged: version %d" % before, r.stdout)
        self.assertEqual(self.server.sql("SELECT max(version) FROM templates WHERE name='delivery'")[0][0], before)
        path = os.path.join(self.tmp, "delivery-changed.yaml")
        with open(os.path.join(harness.ROOT, "docs", "examples", "delivery.yaml")) as f, open(path, "w") as g:
            g.write(f.read() + "\n# changed\n")
        self.server.cli("template", "import", path)
        self.assertEqual(self.server.sql("SELECT max(version) FROM templates WHERE name='delivery'")[0][0], before + 1)

    def test_31_broken_template_names_the_line(self):
        path = os.path.join(self.tmp, "broken.yaml")
        with open(path, "w") as f:
            f.write(BROKEN)
        r = self.server.cli("template", "import", path, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("line 9", r.stderr)
        self.assertIn("colour", r.stderr)
        self.assertEqual(self.server.sql("SELECT count(*) FROM templates WHERE name='broken'"), [(0,)])
        r = self.server.cli("template", "import", os.path.join(self.tmp, "missing.yaml"), check=False)
        self.assertEqual(r.returncode, 1)

    def test_32_demo_data(self):
        rels, url = [], "/api/v1/releases"               # every page: earlier tests started many
        while url:
            j = self.api("GET", url).json()
            rels += j["releases"]
            url = j["next"]
        statuses = {x["status"] for x in rels}
        self.assertTrue({"completed", "failed", "on_hold", "running"} <= statuses, statuses)
        held = [x for x in rels if x["status"] == "on_hold" and x["name"] == "checkout-service" and x["version"] == "2.4.0"]
        self.assertEqual(len(held), 1)
        rel = self.release(held[0]["id"])
        self.assertEqual(rel["waiting"], 2)
        self.assertEqual(self.phase(rel, "production")["status"], "waiting_for_approval")
        self.assertEqual(sorted(a["name"] for a in self.phase(rel, "production")["activities"] if a["status"] == "on_hold"),
                         ["production-approval", "security-review"])
        # the completed one shows who approved
        done = [x for x in rels if x["status"] == "completed" and x["name"] == "checkout-service"][0]
        pa = self.act(self.release(done["id"]), "production-approval")
        votes = self.api("GET", "/api/v1/activities/%d" % pa["id"]).json()["votes"]
        self.assertEqual(sorted((v["user"], v["decision"], v["signed"]) for v in votes),
                         [("carol", "approve", True), ("dave", "approve", True)])
        failed = [x for x in rels if x["status"] == "failed"][0]
        qa = self.act(self.release(failed["id"]), "qa-signoff")
        a = self.api("GET", "/api/v1/activities/%d" % qa["id"]).json()
        self.assertEqual(a["status"], "rejected")
        self.assertEqual(a["votes"][0]["user"], "bob")
        self.assertIn("Safari", a["votes"][0]["comment"])

    def test_99_audit_trail_intact(self):
        r = self.server.cli("audit", "verify", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
