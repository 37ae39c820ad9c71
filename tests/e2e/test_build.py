"""test_build.py — approvals bound to the artifact's digest, through nginx (issue 18, part 1).

A release carries its artifact's digest; every decision records the digest it was made for; a
new build (holdctl build, or the API) starts the release again so that the old approvals stop
counting, with a banner and an audit record; `holdctl verify` (and GET .../verify) is the deploy
gate: exit 0 only when every approval covers exactly that digest.
"""
import os
import re
import subprocess

from harness import ServerTestCase

GATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: build-gate
description: Tests, a QA sign-off, then the production approval.
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
  - name: prod
    activities:
      - name: prod-approval
        type: approval
        approvers:
          rules: [{team: sre, min: 1}]
        signature: {required: true, meaning: Approved for production}
"""

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


class BuildTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        path = os.path.join(cls.server.data, "build-gate.yaml")
        with open(path, "w") as f:
            f.write(GATE)
        cls.server.cli("template", "import", path)
        cls.api = cls.server.client(token=cls.server.demo_token())

    def act(self, rid, name):
        return self.server.sql("SELECT id, status, round FROM activities WHERE release_id=? AND name=?", rid, name)[0]

    def verify(self, rid, digest):
        return self.server.holdctl("verify", "--release", str(rid), "--digest", digest)

    def approve(self, who, aid, **extra):
        c = self.login(who)
        c.get("/activities/%d" % aid)
        r = c.post("/activities/%d/decision" % aid, dict({"decision": "approve", "comment": "ok"}, **extra))
        self.assertEqual(r.status, 303, r.text[:500])

    def test_01_the_digest_comes_from_the_artifact_or_is_given(self):
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "build-gate", "name": "shop", "version": "1", "artifact": "reg.example/shop@sha256:" + "a" * 64})
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["artifact_digest"], "sha256:" + "a" * 64)
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "build-gate", "name": "shop", "version": "2", "artifact": "reg.example/shop:2",
            "artifact_digest": D1})
        self.assertEqual(r.json()["artifact_digest"], D1)
        for bad in ({"artifact": "reg/shop@sha256:xyz"}, {"artifact_digest": "md5:abc"},
                    {"artifact_digest": "sha256:" + "A" * 64}):
            r = self.api.request("POST", "/api/v1/releases", json_body=dict(
                {"template": "build-gate", "name": "shop", "version": "3"}, **bad))
            self.assertEqual(r.status, 422, (bad, r.text))
            self.assertIn("digest", r.json()["error"]["message"])
        # holdctl takes it too
        r = self.server.holdctl("trigger", "build-gate", "--name", "shop", "--version", "4", "--artifact-digest", D2)
        self.assertEqual(r.returncode, 0, r.stderr)
        rid = int(re.search(r"\d+", r.stdout).group(0))
        self.assertEqual(self.server.sql("SELECT artifact_digest FROM releases WHERE id=?", rid)[0][0], D2)

    def test_02_verify_is_the_deploy_gate_and_a_new_build_asks_again(self):
        s = self.server
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "build-gate", "name": "payments", "version": "7", "artifact": "reg/payments@" + D1})
        rid = r.json()["id"]
        self.assertEqual(self.verify(rid, D1).returncode, 1)            # nothing approved yet
        tests = self.act(rid, "tests")[0]
        self.assertEqual(self.api.request("POST", "/api/v1/activities/%d/result" % tests,
                                          json_body={"result": "pass"}).status, 200)
        qa = self.act(rid, "qa-signoff")[0]
        self.approve("bob", qa)
        prod = self.act(rid, "prod-approval")[0]
        self.approve("carol", prod, password="holdpoint-demo")
        self.assertEqual(s.sql("SELECT artifact_digest FROM decisions WHERE activity_id IN (?,?)", qa, prod), [(D1,), (D1,)])
        self.assertEqual(s.sql("SELECT status FROM releases WHERE id=?", rid)[0][0], "completed")
        v = self.verify(rid, D1)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("verified", v.stdout)
        v = self.verify(rid, D2)
        self.assertEqual(v.returncode, 1)
        self.assertIn("The release's build is %s, not %s." % (D1, D2), v.stdout)
        j = self.api.get("/api/v1/releases/%d/verify?digest=%s" % (rid, D1)).json()
        self.assertTrue(j["verified"])
        self.assertEqual([a["activity"] for a in j["approvals"]], ["qa-signoff", "prod-approval"])
        self.assertEqual(self.api.get("/api/v1/releases/%d/verify?digest=nope" % rid).status, 422)
        self.assertEqual(self.api.get("/api/v1/releases/999999/verify?digest=%s" % D1).status, 404)
        # the PDF report prints the build each decision was made for
        erin = self.login("erin")
        pdf = erin.get("/releases/%d/report.pdf" % rid)
        self.assertEqual(pdf.status, 200)
        path = os.path.join(s.data, "report.pdf")
        with open(path, "wb") as f:
            f.write(pdf.body)
        text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True).stdout
        self.assertIn(D1[:40], text.replace("\n", " "))
        # a completed release takes no new build
        r = self.api.request("POST", "/api/v1/releases/%d/build" % rid, json_body={"digest": D2})
        self.assertEqual(r.status, 409, r.text)
        self.assertIn("new release", r.text)

    def test_03_a_new_build_while_waiting(self):
        s = self.server
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "build-gate", "name": "search", "version": "3", "artifact_digest": D1})
        rid = r.json()["id"]
        tests = self.act(rid, "tests")[0]
        self.api.request("POST", "/api/v1/activities/%d/result" % tests, json_body={"result": "pass"})
        qa = self.act(rid, "qa-signoff")[0]
        self.approve("bob", qa)
        prod = self.act(rid, "prod-approval")
        self.assertEqual(prod[1:], ("on_hold", 1))
        # the pipeline built again: same digest first (nothing happens), then a new one
        out = s.holdctl("build", str(rid), "--digest", D1)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("nothing changed", out.stdout)
        self.assertEqual(self.act(rid, "prod-approval")[1:], ("on_hold", 1))
        out = s.holdctl("build", str(rid), "--digest", D2, "--artifact", "reg/search@" + D2)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("starts again", out.stdout)
        self.assertEqual(s.sql("SELECT artifact, artifact_digest, previous_digest FROM releases WHERE id=?", rid),
                         [("reg/search@" + D2, D2, D1)])
        # everything is decided again: the tests run again, the sign-off waits for them, prod is pending
        self.assertEqual(self.act(rid, "tests")[1:], ("running", 2))
        self.assertEqual(self.act(rid, "qa-signoff")[1:], ("blocked", 2))
        self.assertEqual(self.act(rid, "prod-approval")[1:], ("pending", 2))
        rec = s.sql("SELECT details_json FROM audit_log WHERE action='release.new_build' AND release_id=?", rid)
        self.assertEqual(len(rec), 1)
        self.assertIn(D1, rec[0][0])
        self.assertIn(D2, rec[0][0])
        self.assertEqual(len(s.sql("SELECT 1 FROM audit_log WHERE action='activity.new_build' AND release_id=?", rid)), 3)
        # bob's old approval does not count for either build
        v = self.verify(rid, D1)
        self.assertEqual(v.returncode, 1)
        self.assertEqual(self.verify(rid, D2).returncode, 1)
        # the page says why the sign-off asks again
        self.api.request("POST", "/api/v1/activities/%d/result" % tests, json_body={"result": "pass"})
        bob = self.login("bob")
        page = bob.get("/activities/%d" % qa)
        self.assertIn("A new build arrived", page.text)
        self.assertIn(D2, page.text)
        self.assertIn("This activity requires your input", page.text)
        self.approve("bob", qa)
        self.approve("carol", prod[0], password="holdpoint-demo")
        v = self.verify(rid, D2)
        self.assertEqual(v.returncode, 0, v.stdout)
        self.assertEqual(s.sql("SELECT round, artifact_digest FROM decisions WHERE activity_id=? ORDER BY round", qa),
                         [(1, D1), (2, D2)])

    def test_04_bad_builds_are_refused(self):
        r = self.api.request("POST", "/api/v1/releases", json_body={
            "template": "build-gate", "name": "cart", "version": "1", "artifact_digest": D1})
        rid = r.json()["id"]
        for body in ({}, {"digest": "sha256:short"}, {"digest": D2, "extra": 1}, {"artifact": "reg/cart:latest"}):
            r = self.api.request("POST", "/api/v1/releases/%d/build" % rid, json_body=body)
            self.assertEqual(r.status, 422, (body, r.text))
        self.assertEqual(self.server.sql("SELECT artifact_digest FROM releases WHERE id=?", rid)[0][0], D1)
        r = self.api.request("POST", "/api/v1/releases/999999/build", json_body={"digest": D2})
        self.assertEqual(r.status, 404)
        bob = self.server.client(token=self.server.cli("token", "create", "--user", "bob", "--name", "t").stdout.strip())
        r = bob.request("POST", "/api/v1/releases/%d/build" % rid, json_body={"digest": D2})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.holdctl("verify", "--release", str(rid)).returncode, 3)
