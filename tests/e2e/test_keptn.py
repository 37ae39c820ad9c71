"""test_keptn.py — Holdpoint as a Keptn control plane's approval service: the round trip of
Keptn's manual-approval tutorial against a local receiver that speaks Keptn's API
(POST /api/v1/event with x-token), through nginx and the notification outbox."""
import json
import os
import unittest
import uuid

import harness
from harness import ServerTestCase, poll
from test_notify import Receiver, body_json

KEPTN_TOKEN = "keptn-api-token-0123456789"


def triggered(service="carts", result="warning", event_id=None, context=None):
    return {"specversion": "1.0", "type": "sh.keptn.event.approval.triggered", "source": "shipyard-controller",
            "id": event_id or str(uuid.uuid4()), "shkeptncontext": context or str(uuid.uuid4()),
            "shkeptnspecversion": "0.2.4", "datacontenttype": "application/json",
            "data": {"project": "sockshop", "stage": "production", "service": service, "result": result,
                     "status": "succeeded", "approval": {"pass": "manual", "warning": "manual"},
                     "labels": {"version": "0.13.2"}}}


class KeptnTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.keptn = Receiver()
        super().setUpClass()
        s = cls.server
        with open(os.path.join(s.data, "notify.json"), "w") as f:
            json.dump({"channels": [{"name": "keptn", "type": "webhook", "url": cls.keptn.url("/api/v1/event"),
                                     "keptn": True, "auth_header": "x-token: " + KEPTN_TOKEN}]}, f)
        s.start()                                          # reads the channel configuration
        s.cli("template", "import", os.path.join(harness.ROOT, "docs", "examples", "keptn-approval.yaml"))
        cls.api = s.client(token=s.demo_token())           # alice, a release manager: Keptn's integration
        cls.carol = s.client(token=s.cli("token", "create", "--user", "carol", "--name", "k").stdout.strip())

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.keptn.stop()

    def send(self, ce, client=None, ctype="application/cloudevents+json"):
        return (client or self.api).request("POST", "/api/v1/keptn/event", body=json.dumps(ce).encode(),
                                            headers={"Content-Type": ctype})

    def answers(self, ctx, type_):
        return [body_json(r) for r in self.keptn.on("/api/v1/event")
                if body_json(r).get("shkeptncontext") == ctx and body_json(r)["type"] == type_]

    def test_01_round_trip(self):
        ce = triggered()
        r = self.send(ce)
        self.assertEqual(r.status, 201, r.text)
        rid = r.json()["release"]
        rel = r.json()["detail"]
        self.assertEqual((rel["name"], rel["version"]), ("carts", "0.13.2"))
        act = rel["phases"][0]["activities"][0]
        self.assertEqual(act["status"], "on_hold")
        # approval.started goes to Keptn's API with its token, its context and triggered id
        started = poll(lambda: self.answers(ce["shkeptncontext"], "sh.keptn.event.approval.started"), what="approval.started")
        self.assertEqual(started[0]["triggeredid"], ce["id"])
        self.assertEqual((started[0]["data"]["project"], started[0]["data"]["stage"], started[0]["data"]["service"]),
                         ("sockshop", "production", "carts"))
        req = [x for x in self.keptn.on("/api/v1/event") if body_json(x)["type"] == "sh.keptn.event.approval.started"][0]
        self.assertEqual(req["headers"]["x-token"], KEPTN_TOKEN)
        # Holdpoint does not announce a second, made-up approval.triggered for it
        self.assertEqual(self.answers(ce["shkeptncontext"], "sh.keptn.event.approval.triggered"), [])
        # the same event again starts nothing new
        r = self.send(ce)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["release"], rid)
        self.assertEqual(self.server.sql("SELECT count(*) FROM releases WHERE name='carts'")[0][0], 1)
        # an approver decides in Holdpoint; Keptn hears pass with the approver's notes
        r = self.carol.request("POST", "/api/v1/activities/%d/decision" % act["id"],
                               json_body={"decision": "approve", "comment": "Canary is healthy, promote it."})
        self.assertEqual(r.status, 200, r.text)
        finished = poll(lambda: self.answers(ce["shkeptncontext"], "sh.keptn.event.approval.finished"), what="approval.finished")
        self.assertEqual(finished[0]["triggeredid"], ce["id"])
        self.assertEqual((finished[0]["data"]["result"], finished[0]["data"]["status"]), ("pass", "succeeded"))
        self.assertEqual(finished[0]["data"]["message"], "Canary is healthy, promote it.")

    def test_02_a_rejection_is_fail(self):
        ce = triggered(service="orders")
        r = self.send(ce, ctype="application/json")
        self.assertEqual(r.status, 201, r.text)
        act = r.json()["detail"]["phases"][0]["activities"][0]
        r = self.carol.request("POST", "/api/v1/activities/%d/decision" % act["id"],
                               json_body={"decision": "reject", "comment": "Error budget is spent."})
        self.assertEqual(r.status, 200, r.text)
        finished = poll(lambda: self.answers(ce["shkeptncontext"], "sh.keptn.event.approval.finished"), what="approval.finished")
        self.assertEqual((finished[0]["data"]["result"], finished[0]["data"]["message"]), ("fail", "Error budget is spent."))

    def test_03_refusals(self):
        bad = triggered()
        bad["type"] = "sh.keptn.event.deployment.triggered"
        r = self.send(bad)
        self.assertEqual(r.status, 422)
        self.assertIn("approval.triggered only", r.json()["error"]["message"])
        bad = triggered()
        del bad["data"]["service"]
        self.assertEqual(self.send(bad).status, 422)
        self.assertEqual(self.send(triggered(), client=self.server.client()).status, 401)     # no token
        self.assertEqual(self.send(triggered(), client=self.carol).status, 403)               # not a release manager
        r = self.api.request("POST", "/api/v1/keptn/event", body=b"{}", headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415)


class KeptnSignatureTest(ServerTestCase):
    """With HOLDPOINT_KEPTN_SECRET_FILE, an event must be signed as well as carry a token."""

    SECRET = "keptn-shared-secret-0123456789"

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.dir = tempfile.mkdtemp(prefix="holdpoint-e2e-keptn-")
        with open(os.path.join(cls.dir, "secret"), "w") as f:
            f.write(cls.SECRET + "\n")
        cls.server_env = {"HOLDPOINT_KEPTN_SECRET_FILE": os.path.join(cls.dir, "secret")}
        super().setUpClass()
        cls.server.cli("template", "import", os.path.join(harness.ROOT, "docs", "examples", "keptn-approval.yaml"))

    @classmethod
    def tearDownClass(cls):
        import shutil
        super().tearDownClass()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_01_signed_events_only(self):
        import hashlib
        import hmac
        api = self.server.client(token=self.server.demo_token())
        body = json.dumps(triggered()).encode()
        hdr = {"Content-Type": "application/cloudevents+json"}
        r = api.request("POST", "/api/v1/keptn/event", body=body, headers=hdr)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"]["code"], "bad_signature")
        sig = "sha256=" + hmac.new(self.SECRET.encode(), body, hashlib.sha256).hexdigest()
        r = api.request("POST", "/api/v1/keptn/event", body=body + b" ", headers=dict(hdr, **{"X-Holdpoint-Signature": sig}))
        self.assertEqual(r.status, 401)                       # the signature of another body
        r = api.request("POST", "/api/v1/keptn/event", body=body, headers=dict(hdr, **{"X-Holdpoint-Signature": sig}))
        self.assertEqual(r.status, 201, r.text)


if __name__ == "__main__":
    unittest.main()
