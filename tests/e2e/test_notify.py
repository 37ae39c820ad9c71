"""test_notify.py — notifications end to end, with real receivers on 127.0.0.1 started by the tests:
an SMTP sink (aiosmtpd) and an HTTP receiver (Slack, Teams, SMS gateway, webhooks, actions) that can
answer 500 or hang.  Checks e-mail content, message bodies and signatures, CloudEvents, retries with
backoff and one idempotency key, a hanging receiver, Slack's signed Approve/Reject buttons, the in-app
count, preferences, the admin page (Send test, failed rows, Retry) and actions after approval."""
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import re
import threading
import time
import unittest
import urllib.parse

from harness import ServerTestCase, free_port, poll

try:
    from aiosmtpd.controller import Controller
except ImportError:                      # Debian's python3-aiosmtpd; `make check` installs it
    Controller = None

SLACK_SECRET = "test-signing-secret"
HOOK_SECRET = "whsec-test-0123"
BACKOFF_S = 20

TEMPLATE = """apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: notifyflow
description: An SRE gate with an action after approval, then a signed gate.
variables: [image]
phases:
  - name: main
    activities:
      - name: build
        type: automated
      - name: sre-gate
        type: approval
        depends_on: [build]
        instructions: "Check {{vars.image}}."
        approvers:
          rules: [{team: sre, min: 1}]
        actions_on_approve:
          - {name: trigger-deploy, webhook: "http://127.0.0.1:%(port)d/action"}
      - name: signed-gate
        type: approval
        depends_on: [sre-gate]
        approvers:
          rules: [{team: sre, min: 1}]
        signature: {required: true, meaning: Approved for production}
"""


# ------------------------------------------------------------------------------ receivers

class SmtpSink:
    """Stores every message it is given: (mail_from, rcpt_tos, parsed message)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def find(self, to, needle):
        with self.lock:
            for frm, rcpts, msg in self.messages:
                if to in rcpts and needle in str(msg["Subject"]):
                    return msg
        return None

    def count(self, to, needle):
        with self.lock:
            return sum(1 for _, rcpts, msg in self.messages if to in rcpts and needle in str(msg["Subject"]))


class Receiver:
    """An HTTP server in a thread that records requests; some paths fail or hang on purpose."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.flaky = {}                  # idempotency key -> requests seen (/flaky fails the first 3)
        self.fail = True                 # /fail answers 500 while this is true
        self.hang_started = threading.Event()
        self.hang_release = threading.Event()
        self.hang_done = threading.Event()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                item = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body}
                with rec.lock:
                    rec.requests.append(item)
                status = 200
                if self.path == "/flaky":
                    key = item["headers"].get("idempotency-key")
                    with rec.lock:
                        rec.flaky[key] = rec.flaky.get(key, 0) + 1
                        status = 500 if rec.flaky[key] <= 3 else 200
                elif self.path == "/fail":
                    status = 500 if rec.fail else 200
                elif self.path == "/hang":
                    rec.hang_started.set()
                    rec.hang_release.wait(60)
                    rec.hang_done.set()
                out = b'{"ok":true}' if status == 200 else b"receiver says no"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def on(self, path, pred=None):
        with self.lock:
            return [r for r in self.requests if r["path"] == path and (pred is None or pred(r))]

    def stop(self):
        self.hang_release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def body_json(req):
    return json.loads(req["body"].decode("utf-8"))


def ce_is(activity_id, ce_type=None):
    """A predicate: a CloudEvent about this activity (and of this type)."""
    def pred(r):
        try:
            j = body_json(r)
        except ValueError:
            return False
        act = (j.get("data") or {}).get("activity") or {}
        return act.get("id") == activity_id and (ce_type is None or j.get("type") == ce_type)
    return pred


def slack_about(activity_id):
    def pred(r):
        j = body_json(r)
        return any(e.get("value") == str(activity_id) for b in j.get("blocks", []) for e in b.get("elements", []))
    return pred


# ------------------------------------------------------------------------------ the tests

@unittest.skipIf(Controller is None, "python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)")
class NotifyTest(ServerTestCase):
    server_env = {
        "HOLDPOINT_NOTIFY_BACKOFF_MS": str(BACKOFF_S * 1000),
        "HOLDPOINT_NOTIFY_MAX_ATTEMPTS": "4",
        "HOLDPOINT_NOTIFY_TIMEOUT_MS": "15000",
    }

    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.smtp = Controller(cls.sink, hostname="127.0.0.1", port=free_port())
        cls.smtp.start()
        cls.http = Receiver()
        try:
            super().setUpClass()
            s = cls.server
            # Channels from the configuration file, read when the server (re)starts.
            config = {"channels": [
                {"name": "mail", "type": "email", "url": "smtp://127.0.0.1:%d" % cls.smtp.port,
                 "from": "holdpoint@test.invalid", "starttls": "none"},
                {"name": "slack-sre", "type": "slack", "team": "sre", "url": cls.http.url("/slack-sre"),
                 "signing_secret": SLACK_SECRET},
                {"name": "slack-product", "type": "slack", "team": "product", "url": cls.http.url("/slack-product"),
                 "signing_secret": SLACK_SECRET},
                {"name": "teams-all", "type": "teams", "url": cls.http.url("/teams")},
                {"name": "hook", "type": "webhook", "url": cls.http.url("/hook"), "secret": HOOK_SECRET, "keptn": True},
                {"name": "sms", "type": "sms", "url": cls.http.url("/sms"),
                 "auth_header": "Authorization: Bearer sms-token"},
            ]}
            with open(os.path.join(s.data, "notify.json"), "w") as f:
                json.dump(config, f)
            s.start()
            path = os.path.join(s.data, "notifyflow.yaml")
            with open(path, "w") as f:
                f.write(TEMPLATE % {"port": cls.http.port})
            s.cli("template", "import", path)
            s.cli("user", "link", "carol", "--slack", "UCAROL1")
            s.cli("user", "link", "dave", "--slack", "UDAVE1")
            cls.carol_token = s.cli("token", "create", "--user", "carol", "--name", "t").stdout.strip()
        except Exception:
            cls.http.stop()
            cls.smtp.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.http.stop()
            cls.smtp.stop()

    # -- helpers ---------------------------------------------------------------------------
    def api(self, token=None):
        return self.client(token=token or self.server.demo_token())

    def release(self, name="svc"):
        """A notifyflow release (started by alice) whose sre-gate is on hold; returns (release id, gate id)."""
        r = self.api().request("POST", "/api/v1/releases", json_body={
            "template": "notifyflow", "name": name, "version": "3.1.4", "artifact": "registry.example/%s:3.1.4" % name,
            "variables": {"image": "registry.example/%s:3.1.4" % name}})
        self.assertEqual(r.status, 201, r.text)
        rid = r.json()["id"]
        r = self.api().request("POST", "/api/v1/activities/%d/result" % self.act(rid, "build")["id"],
                               json_body={"result": "pass"})
        self.assertEqual(r.status, 200, r.text)
        gate = self.act(rid, "sre-gate")
        self.assertEqual(gate["status"], "on_hold")
        return rid, gate["id"]

    def act(self, rid, name):
        rel = self.api().get("/api/v1/releases/%d" % rid).json()
        for ph in rel["phases"]:
            for a in ph["activities"]:
                if a["name"] == name:
                    return a
        raise AssertionError("no activity " + name)

    def approve_api(self, aid):
        r = self.api(self.carol_token).request("POST", "/api/v1/activities/%d/decision" % aid,
                                               json_body={"decision": "approve", "comment": "Looks fine to me"})
        self.assertEqual(r.status, 200, r.text)

    def server_now(self):
        """The server's clock in seconds (the test clock offset included)."""
        off = 0
        path = self.server.env["HOLDPOINT_CLOCK_FILE"]
        if os.path.exists(path):
            with open(path) as f:
                off = int(f.read().strip() or 0)
        return time.time() + off / 1000.0

    def slack_post(self, payload, secret=SLACK_SECRET, ts=None, headers=True, sig=None):
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        ts = str(int(ts if ts is not None else self.server_now()))
        sig = sig or "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        if headers:
            hdrs.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
        return self.client().request("POST", "/slack/actions", body=body, headers=hdrs)

    def button(self, aid, user, action="approve"):
        return {"type": "block_actions", "user": {"id": user, "username": user.lower()},
                "team": {"id": "T0TEST"}, "actions": [{"action_id": action, "value": str(aid), "type": "button"}],
                "response_url": "https://hooks.slack.invalid/actions/x"}

    def votes(self, aid):
        return self.server.sql("SELECT u.username, d.decision, d.channel FROM decisions d JOIN users u ON u.id=d.user_id"
                               " WHERE d.activity_id=? AND d.decision IN ('approve','reject')", aid)

    def row(self, key=None, where=None, *params):
        q = "SELECT id, status, attempts, next_attempt_at, last_error, idempotency_key FROM outbox WHERE "
        rows = self.server.sql(q + (where or "idempotency_key=?"), *((key,) if key else params))
        return rows[0] if rows else None

    def admin(self):
        c = self.client()
        c.login("admin")
        return c

    def add_channel(self, admin, **form):
        form.setdefault("enabled", "on")
        r = admin.post("/admin/notifications/channels", form)
        self.assertEqual(r.status, 303, r.text[-2000:])
        return self.server.sql("SELECT id FROM notify_channels WHERE name=?", form["name"])[0][0]

    def delete_channel(self, admin, cid):
        r = admin.post("/admin/notifications/channels/%d/delete" % cid)
        self.assertEqual(r.status, 303, r.text[-2000:])

    # -- 1. e-mail ----------------------------------------------------------------------
    def test_01_email_has_link_and_variables(self):
        rid, aid = self.release("mailsvc")
        msg = poll(lambda: self.sink.find("carol@example.com", "sre-gate in mailsvc 3.1.4"), what="the e-mail to carol")
        text = msg.get_body().get_content()
        self.assertIn("is waiting for you", str(msg["Subject"]))
        self.assertIn("Hello Carol Reliability", text)
        self.assertIn("http://127.0.0.1:%d/activities/%d" % (self.server.port, aid), text)
        self.assertIn("registry.example/mailsvc:3.1.4", text)            # {{release.artifact}}
        self.assertEqual(msg["From"], "Holdpoint <holdpoint@test.invalid>")
        key = msg["Idempotency-Key"]
        self.assertTrue(re.match(r"^[0-9a-f-]{36}$", key), key)
        # the job runner marks the row once the server has taken the message: poll for it
        poll(lambda: (self.row(key) or (None, None))[1] == "sent", what="the e-mail's outbox row marked sent")
        # the starter hears of the approval, with the activity's output variables
        self.approve_api(aid)
        msg = poll(lambda: self.sink.find("alice@example.com", "sre-gate in mailsvc 3.1.4: approved"),
                   what="the approval e-mail to alice")
        text = msg.get_body().get_content()
        self.assertIn("Decided by: Carol Reliability", text)             # {{activity.outputs.*}}
        self.assertIn("Notes: Looks fine to me", text)
        self.assertIn("/activities/%d" % aid, text)
        # nobody else is mailed about carol's gate
        self.assertEqual(self.sink.count("dave@example.com", "sre-gate in mailsvc"), 0)

    # -- 2. Slack, Teams, webhooks ----------------------------------------------------------
    def test_02_slack_teams_webhook_bodies_and_signatures(self):
        rid, aid = self.release("hooksvc")
        slack = poll(lambda: self.http.on("/slack-sre", slack_about(aid)), what="the Slack message")[0]
        j = body_json(slack)
        self.assertIn("sre-gate in hooksvc 3.1.4 is waiting for you", j["text"])
        self.assertEqual(slack["headers"]["content-type"], "application/json")
        key = slack["headers"]["idempotency-key"]
        self.assertEqual(j["blocks"][0]["block_id"], "hp-" + key)
        self.assertIn("/activities/%d|" % aid, j["blocks"][0]["text"]["text"])
        ids = [e["action_id"] for e in j["blocks"][1]["elements"]]
        self.assertEqual(ids, ["approve", "reject", "open"])
        # team channels: only the team the activity concerns
        teams = poll(lambda: self.http.on("/teams", lambda r: "sre-gate in hooksvc" in body_json(r)["title"]),
                     what="the Teams card")[0]
        card = body_json(teams)
        self.assertEqual(card["@type"], "MessageCard")
        self.assertEqual(card["potentialAction"][0]["targets"][0]["uri"],
                         "http://127.0.0.1:%d/activities/%d" % (self.server.port, aid))
        self.assertEqual(card["idempotencyKey"], teams["headers"]["idempotency-key"])
        # webhook: a signed CloudEvent, and the Keptn-compatible approval.triggered
        hook = poll(lambda: self.http.on("/hook", ce_is(aid, "dev.holdpoint.activity.waiting")), what="the CloudEvent")[0]
        sig = "sha256=" + hmac.new(HOOK_SECRET.encode(), hook["body"], hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(hook["headers"]["x-holdpoint-signature"], sig))
        ce = body_json(hook)
        self.assertEqual(ce["specversion"], "1.0")
        self.assertEqual(ce["id"], hook["headers"]["idempotency-key"])
        self.assertEqual(ce["source"], "holdpoint")
        self.assertEqual(ce["datacontenttype"], "application/json")
        self.assertEqual(ce["subject"], "activities/%d" % aid)
        self.assertRegex(ce["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(ce["data"]["release"]["id"], rid)
        self.assertEqual(ce["data"]["release"]["name"], "hooksvc")
        self.assertEqual(ce["data"]["activity"]["name"], "sre-gate")
        self.assertTrue(hook["headers"]["content-type"].startswith("application/cloudevents+json"))
        keptn = poll(lambda: [r for r in self.http.on("/hook")
                              if body_json(r)["type"] == "sh.keptn.event.approval.triggered"
                              and body_json(r)["data"]["activity"]["id"] == aid], what="the Keptn event")[0]
        kj = body_json(keptn)
        self.assertEqual(kj["specversion"], "1.0")
        self.assertEqual(kj["data"]["stage"], "main")
        # a tampered body would not verify
        self.assertNotEqual(sig, "sha256=" + hmac.new(HOOK_SECRET.encode(), hook["body"] + b" ", hashlib.sha256).hexdigest())
        # the approval: .approved CloudEvent and Keptn .finished pointing at the triggered event
        self.approve_api(aid)
        done = poll(lambda: self.http.on("/hook", ce_is(aid, "dev.holdpoint.activity.approved")), what="approved")[0]
        self.assertEqual(body_json(done)["data"]["outcome"], "approved")
        fin = poll(lambda: [r for r in self.http.on("/hook") if body_json(r)["type"] == "sh.keptn.event.approval.finished"
                            and body_json(r)["data"]["activity"]["id"] == aid], what="Keptn finished")[0]
        self.assertEqual(body_json(fin)["triggeredid"], kj["id"])
        self.assertEqual(body_json(fin)["data"]["result"], "pass")
        self.assertEqual(body_json(fin)["shkeptncontext"], kj["shkeptncontext"])
        # the other team's Slack channel heard nothing of this gate
        self.assertEqual(self.http.on("/slack-product", slack_about(aid)), [])

    # -- 3. retries: the same key, exactly once more after success --------------------------
    def test_03_flaky_receiver_gets_the_event_exactly_once_more(self):
        admin = self.admin()
        cid = self.add_channel(admin, name="flaky", type="webhook", url=self.http.url("/flaky"), events="approved")
        try:
            rid, aid = self.release("flakysvc")
            self.approve_api(aid)
            first = poll(lambda: self.http.on("/flaky", ce_is(aid)), what="the first attempt")[0]
            key = first["headers"]["idempotency-key"]
            row = poll(lambda: (lambda x: x if x and x[2] == 1 else None)(self.row(key)), what="attempt 1 recorded")
            self.assertEqual(row[1], "pending")
            self.assertIn("HTTP 500", row[4])
            # backoff: base, then 2x, then 4x — the next attempt waits for the (moved) clock
            self.assertGreater(row[3] / 1000.0, self.server_now() + BACKOFF_S - 5)
            for attempt, wait in ((2, BACKOFF_S), (3, 2 * BACKOFF_S), (4, 4 * BACKOFF_S)):
                prev = self.row(key)
                self.server.advance_clock(wait + 1)
                poll(lambda: len(self.http.on("/flaky", ce_is(aid))) >= attempt, what="attempt %d" % attempt)
                row = poll(lambda: (lambda x: x if x and x[2] == attempt else None)(self.row(key)),
                           what="attempt %d recorded" % attempt)
                if attempt < 4:
                    self.assertEqual(row[1], "pending")
                    self.assertAlmostEqual((row[3] - prev[3]) / 1000.0, wait * 2 + 1, delta=5)
            self.assertEqual(row[1], "sent")
            got = self.http.on("/flaky", ce_is(aid))
            self.assertEqual(len(got), 4)
            self.assertEqual({r["headers"]["idempotency-key"] for r in got}, {key})   # one key on every attempt
            self.assertEqual({r["body"] for r in got}, {first["body"]})                 # the same body
            self.assertEqual(body_json(first)["id"], key)
            # nothing more after the success: a message queued later (on another channel) goes out,
            # and by then the flaky receiver has still had exactly four requests
            hook = self.server.sql("SELECT id FROM notify_channels WHERE name='hook'")[0][0]
            admin.post("/admin/notifications/channels/%d/test" % hook)
            key2 = poll(lambda: self.row(None, "channel_id=? AND event='test' ORDER BY id DESC", hook), what="queued")[5]
            poll(lambda: self.http.on("/hook", lambda r: r["headers"].get("idempotency-key") == key2), what="the later message")
            self.assertEqual(len(self.http.on("/flaky", ce_is(aid))), 4)
            self.assertEqual(self.row(key)[1:3], ("sent", 4))
        finally:
            self.delete_channel(admin, cid)

    # -- 4. failed rows are shown to admins and can be retried --------------------------------
    def test_04_failed_row_visible_and_retryable(self):
        admin = self.admin()
        cid = self.add_channel(admin, name="dead-end", type="webhook", url=self.http.url("/fail"), secret="x")
        try:
            self.http.fail = True
            r = admin.post("/admin/notifications/channels/%d/test" % cid)          # the "Send test" button
            self.assertEqual(r.status, 303)
            rid = poll(lambda: self.row(None, "channel_id=? AND event='test'", cid), what="the test row")[0]
            for attempt, wait in ((1, 0), (2, BACKOFF_S), (3, 2 * BACKOFF_S), (4, 4 * BACKOFF_S)):
                self.server.advance_clock(wait + 1 if wait else 0)
                poll(lambda: self.server.sql("SELECT attempts FROM outbox WHERE id=?", rid)[0][0] >= attempt,
                     what="attempt %d" % attempt)
            row = poll(lambda: (lambda x: x if x[1] == "failed" else None)(self.row(None, "id=?", rid)),
                       what="the row to fail after the last attempt")
            self.assertEqual(row[2], 4)
            self.assertIn("HTTP 500: receiver says no", row[4])
            page = admin.get("/admin/notifications")
            self.assertEqual(page.status, 200)
            m = re.search(r'<tr id="outbox-%d">(.*?)</tr>' % rid, page.text, re.S)
            self.assertIsNotNone(m, "the failed row is listed")
            self.assertIn("HTTP 500: receiver says no", m.group(1))
            self.assertIn("/admin/notifications/outbox/%d/retry" % rid, m.group(1))
            self.assertNotIn("/fail", m.group(1).replace("/admin/notifications", ""))   # URLs are shown without paths
            # others may not see or retry it
            bob = self.client()
            bob.login("bob")
            self.assertEqual(bob.get("/admin/notifications").status, 403)
            self.assertEqual(bob.post("/admin/notifications/outbox/%d/retry" % rid).status, 403)
            # Retry: pending again with attempts reset; this time the receiver answers
            self.http.fail = False
            r = admin.post("/admin/notifications/outbox/%d/retry" % rid)
            self.assertEqual(r.status, 303)
            row = poll(lambda: (lambda x: x if x[1] == "sent" else None)(self.row(None, "id=?", rid)), what="sent")
            self.assertEqual(row[2], 1)
            self.assertEqual(len({r["headers"]["idempotency-key"] for r in self.http.on("/fail")}), 1)
            # retrying a row that is not failed is refused
            self.assertEqual(admin.post("/admin/notifications/outbox/%d/retry" % rid).status, 409)
            trail = self.server.sql("SELECT count(*) FROM audit_log WHERE action='notify.retry' AND object_id=?", rid)
            self.assertEqual(trail[0][0], 1)
        finally:
            self.http.fail = True
            self.delete_channel(admin, cid)

    # -- 5. a hanging receiver delays nothing else -------------------------------------------
    def test_05_hanging_receiver_does_not_delay_pages_or_other_rows(self):
        admin = self.admin()
        cid = self.add_channel(admin, name="hangs", type="webhook", url=self.http.url("/hang"))
        hook = self.server.sql("SELECT id FROM notify_channels WHERE name='hook'")[0][0]
        try:
            admin.post("/admin/notifications/channels/%d/test" % cid)
            self.assertTrue(self.http.hang_started.wait(30), "the hanging receiver was called")
            # while it hangs: pages answer ...
            r = self.client().get("/healthz")
            self.assertEqual((r.status, r.text), (200, "ok"))
            self.assertEqual(admin.get("/notifications").status, 200)
            self.assertEqual(admin.get("/admin/notifications").status, 200)
            self.assertFalse(self.http.hang_done.is_set(), "the receiver still hangs")
            # ... and a message queued meanwhile on another channel still goes out
            admin.post("/admin/notifications/channels/%d/test" % hook)
            key = poll(lambda: self.row(None, "channel_id=? AND event='test' AND status='pending'", hook), what="queued")[5]
            poll(lambda: self.http.on("/hook", lambda r: r["headers"].get("idempotency-key") == key),
                 what="the other channel's message while the first one hangs")
            self.assertFalse(self.http.hang_done.is_set(), "the receiver still hangs")
        finally:
            self.http.hang_release.set()
        poll(lambda: self.row(None, "channel_id=? AND event='test' AND status='sent'", cid), what="the hung row sent")
        self.delete_channel(admin, cid)

    # -- 6. Slack's Approve/Reject buttons -----------------------------------------------------
    def test_06_slack_button_records_a_vote(self):
        rid, aid = self.release("slacksvc")
        r = self.slack_post(self.button(aid, "UCAROL1"))
        self.assertEqual(r.status, 200, r.text)
        j = r.json()
        self.assertEqual(j["response_type"], "ephemeral")
        self.assertIn("You approved", j["text"])
        self.assertEqual(self.votes(aid), [("carol", "approve", "slack")])
        trail = self.server.sql("SELECT actor_name, details_json FROM audit_log WHERE action='decision.approve' AND object_id=?", aid)
        self.assertEqual(trail[0][0], "carol")
        self.assertEqual(json.loads(trail[0][1])["channel"], "slack")
        self.assertEqual(self.act(rid, "sre-gate")["status"], "completed")
        # one vote per person: pressing again changes nothing
        r = self.slack_post(self.button(aid, "UCAROL1", "reject"))
        self.assertEqual(r.status, 200)
        self.assertIn("Nothing was recorded", r.json()["text"])
        self.assertEqual(self.votes(aid), [("carol", "approve", "slack")])
        # the action after approval ran, and the release's approvals log shows it
        action = poll(lambda: self.http.on("/action", ce_is(aid)), what="the action's webhook")[0]
        self.assertEqual(body_json(action)["data"]["action"]["name"], "trigger-deploy")
        run = poll(lambda: self.server.sql("SELECT release_id, details_json FROM audit_log WHERE action='action.run'"
                                           " AND object_id=?", aid), what="action.run in the trail")
        self.assertEqual(run[0][0], rid)
        details = json.loads(run[0][1])
        self.assertEqual((details["status"], details["http_status"], details["action"]), ("succeeded", 200, "trigger-deploy"))
        log = self.admin().get("/releases/%d/approvals" % rid)
        self.assertEqual(log.status, 200)
        self.assertIn("action.run", log.text)

    def test_07_slack_refuses_bad_or_old_signatures(self):
        rid, aid = self.release("slackbad")
        bad = self.slack_post(self.button(aid, "UCAROL1"), secret="not-the-secret")
        self.assertEqual(bad.status, 401)
        old = self.slack_post(self.button(aid, "UCAROL1"), ts=self.server_now() - 6 * 60)
        self.assertEqual(old.status, 401)
        self.assertIn("5 minutes", old.json()["error"]["message"])
        missing = self.slack_post(self.button(aid, "UCAROL1"), headers=False)
        self.assertEqual(missing.status, 401)
        garbage = self.slack_post(self.button(aid, "UCAROL1"), sig="v0=" + "0" * 64)
        self.assertEqual(garbage.status, 401)
        # the signature is over the exact body: a signed body with another activity does not pass
        self.assertEqual(self.votes(aid), [])
        self.assertEqual(self.act(rid, "sre-gate")["status"], "on_hold")
        self.assertGreaterEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='access.denied'"
                                                " AND details_json LIKE '%/slack/actions%'")[0][0], 4)
        # no session or CSRF token is involved: a browser's cookie does not help either
        carol = self.client()
        carol.login("carol")
        r = carol.request("POST", "/slack/actions", body=b"payload=%7B%7D",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 401)
        self.assertEqual(self.votes(aid), [])

    def test_08_slack_refuses_unlinked_and_ineligible_people(self):
        rid, aid = self.release("slackwho")
        r = self.slack_post(self.button(aid, "UNOBODY9"))
        self.assertEqual(r.status, 200)
        self.assertIn("not linked to a Holdpoint user", r.json()["text"])
        self.assertEqual(r.json()["response_type"], "ephemeral")
        r = self.slack_post(self.button(aid, "UDAVE1"))                # dave is not in team sre
        self.assertEqual(r.status, 200)
        self.assertIn("not one of the approvers", r.json()["text"])
        self.assertEqual(self.votes(aid), [])
        self.assertEqual(self.act(rid, "sre-gate")["status"], "on_hold")

    def test_09_slack_sends_signature_activities_to_the_browser(self):
        rid, aid = self.release("slacksig")
        self.approve_api(aid)
        signed = self.act(rid, "signed-gate")
        self.assertEqual(signed["status"], "on_hold")
        r = self.slack_post(self.button(signed["id"], "UCAROL1"))
        self.assertEqual(r.status, 200)
        text = r.json()["text"]
        self.assertIn("electronic signature", text)
        self.assertIn("http://127.0.0.1:%d/activities/%d" % (self.server.port, signed["id"]), text)
        self.assertEqual(self.votes(signed["id"]), [])
        self.assertEqual(self.act(rid, "signed-gate")["status"], "on_hold")

    # -- 7. in-app ------------------------------------------------------------------------------
    def test_10_inapp_count_and_mark_read(self):
        carol = self.client()
        carol.login("carol")
        self.release("inappsvc")

        def unread():
            m = re.search(r'id="unread-count"[^>]*>(\d+)<', carol.get("/releases").text)
            return int(m.group(1)) if m else 0
        n = poll(lambda: unread() or None, what="an unread count in the header")
        page = carol.get("/notifications")
        self.assertIn("sre-gate in inappsvc 3.1.4 is waiting for you", page.text)
        first = int(re.search(r'action="/notifications/(\d+)/read"', page.text).group(1))
        r = carol.post("/notifications/%d/read" % first)
        self.assertEqual(r.status, 303)
        self.assertEqual(unread(), n - 1)
        # someone else's notification cannot be marked
        dave = self.client()
        dave.login("dave")
        self.assertEqual(dave.post("/notifications/%d/read" % first).status, 404)
        # without the CSRF token nothing changes
        before = unread()
        self.assertEqual(carol.post("/notifications/read-all", with_csrf=False).status, 403)
        self.assertEqual(unread(), before)
        self.assertEqual(carol.post("/notifications/read-all").status, 303)
        self.assertEqual(unread(), 0)
        self.assertNotIn('id="unread-count"', carol.get("/releases").text)
        self.assertEqual(self.client().get("/notifications").status, 303)       # sign in first

    def test_11_notifications_page_paginates_newest_first(self):
        carol = self.client()
        carol.login("carol")
        for i in range(3):
            self.release("pages%d" % i)
        total = self.server.sql("SELECT count(*) FROM notifications n JOIN users u ON u.id=n.user_id"
                                " WHERE u.username='carol'")[0][0]
        while total <= 25:
            self.release("more%d" % total)
            total = self.server.sql("SELECT count(*) FROM notifications n JOIN users u ON u.id=n.user_id"
                                    " WHERE u.username='carol'")[0][0]
        p1 = carol.get("/notifications").text
        self.assertIn('href="/notifications?page=2"', p1)
        newest = self.server.sql("SELECT n.text FROM notifications n JOIN users u ON u.id=n.user_id"
                                 " WHERE u.username='carol' ORDER BY n.created_at DESC, n.id DESC LIMIT 1")[0][0]
        self.assertIn(newest.replace('"', "&quot;"), p1.split('<li class="card', 2)[1])
        p2 = carol.get("/notifications?page=2")
        self.assertEqual(p2.status, 200)
        self.assertIn("Page 2 of", p2.text)

    # -- 8. preferences and SMS -------------------------------------------------------------
    def test_12_preferences_choose_channels(self):
        carol = self.client()
        carol.login("carol")
        page = carol.get("/me/notifications")
        self.assertEqual(page.status, 200)
        self.assertIn('name="p.waiting.email" value="on" aria-label="An activity is waiting for me: E-mail" checked', page.text)
        self.assertNotIn('name="p.waiting.sms" value="on" aria-label="An activity is waiting for me: SMS" checked', page.text)
        bad = carol.post("/me/notifications", {"phone": "555-1234"})
        self.assertEqual(bad.status, 422)
        self.assertIn("international form", bad.text)
        # e-mail off for "waiting", SMS on, in-app kept
        form = {"phone": "+15550001111", "p.waiting.sms": "on", "p.waiting.inapp": "on"}
        for ev in ("reminder", "escalated", "approved", "rejected", "done", "release"):
            form["p.%s.email" % ev] = "on"
            form["p.%s.inapp" % ev] = "on"
        r = carol.post("/me/notifications", form)
        self.assertEqual(r.status, 303, r.text[-1500:])
        rid, aid = self.release("prefsvc")
        sms = poll(lambda: self.http.on("/sms", lambda r: "prefsvc" in body_json(r)["text"]), what="the SMS")[0]
        j = body_json(sms)
        self.assertEqual(j["to"], "+15550001111")
        self.assertIn("http://127.0.0.1:%d/activities/%d" % (self.server.port, aid), j["text"])
        self.assertEqual(j["idempotency_key"], sms["headers"]["idempotency-key"])
        self.assertEqual(sms["headers"]["authorization"], "Bearer sms-token")
        poll(lambda: self.server.sql("SELECT count(*) FROM notifications n JOIN users u ON u.id=n.user_id"
                                     " WHERE u.username='carol' AND n.link=?", "/activities/%d" % aid)[0][0] == 1,
             what="the in-app notification")
        # the e-mail was not even queued
        self.assertEqual(self.server.sql("SELECT count(*) FROM outbox WHERE activity_id=? AND recipient='carol@example.com'",
                                         aid)[0][0], 0)
        # restore the defaults for the other tests
        form = {"phone": ""}
        for ev in ("waiting", "reminder", "escalated", "approved", "rejected", "done", "release"):
            form["p.%s.email" % ev] = "on"
            form["p.%s.inapp" % ev] = "on"
        self.assertEqual(carol.post("/me/notifications", form).status, 303)
        self.assertEqual(self.server.sql("SELECT count(*) FROM user_identities i JOIN users u ON u.id=i.user_id"
                                         " WHERE u.username='carol' AND provider='sms'")[0][0], 0)

    # -- 9. release failed --------------------------------------------------------------------
    def test_13_release_failed_tells_the_release_manager(self):
        rid, aid = self.release("failsvc")
        r = self.api(self.carol_token).request("POST", "/api/v1/activities/%d/decision" % aid,
                                               json_body={"decision": "reject", "comment": "Broken canary"})
        self.assertEqual(r.status, 200, r.text)
        msg = poll(lambda: self.sink.find("alice@example.com", "Release failsvc 3.1.4 failed"), what="failed e-mail")
        self.assertIn("http://127.0.0.1:%d/releases/%d" % (self.server.port, rid), msg.get_body().get_content())
        poll(lambda: self.sink.find("alice@example.com", "sre-gate in failsvc 3.1.4: rejected"), what="rejected e-mail")
        ev = poll(lambda: [r for r in self.http.on("/hook") if body_json(r)["type"] == "dev.holdpoint.release.failed"
                           and body_json(r)["data"]["release"]["id"] == rid], what="release.failed CloudEvent")[0]
        self.assertEqual(body_json(ev)["subject"], "releases/%d" % rid)
        poll(lambda: self.http.on("/hook", ce_is(aid, "dev.holdpoint.activity.rejected")), what="rejected CloudEvent")
        # no action runs after a rejection
        self.assertEqual(self.http.on("/action", ce_is(aid)), [])

    # -- 10. the admin page and the configuration file ------------------------------------------
    def test_14_admin_page_lists_channels_and_validates(self):
        admin = self.admin()
        page = admin.get("/admin/notifications")
        self.assertEqual(page.status, 200)
        for name in ("mail", "slack-sre", "teams-all", "hook", "sms", "demo-mail"):
            self.assertIn(">%s</a>" % name, page.text)
        self.assertIn("notify.json", page.text)
        self.assertNotIn(SLACK_SECRET, page.text)                 # secrets are never shown
        self.assertNotIn(HOOK_SECRET, page.text)
        self.assertNotIn("sms-token", page.text)
        self.assertNotIn("/slack-sre", page.text)                 # nor webhook paths
        bad = admin.post("/admin/notifications/channels", {"name": "x", "type": "webhook", "url": "ftp://nope"})
        self.assertEqual(bad.status, 422)
        self.assertIn("http:// or https://", bad.text)
        bad = admin.post("/admin/notifications/channels", {"name": "y", "type": "file", "dir": "../../etc"})
        self.assertEqual(bad.status, 422)
        dup = admin.post("/admin/notifications/channels", {"name": "mail", "type": "teams", "url": self.http.url("/x")})
        self.assertEqual(dup.status, 409)
        self.assertEqual(admin.post("/admin/notifications/channels", {"name": "z", "type": "teams",
                                    "url": self.http.url("/x")}, with_csrf=False).status, 403)
        # editing keeps a stored secret that is left blank
        hook = self.server.sql("SELECT id FROM notify_channels WHERE name='hook'")[0][0]
        edit = admin.get("/admin/notifications/channels/%d" % hook)
        self.assertEqual(edit.status, 200)
        self.assertIn("A secret is stored", edit.text)
        # linking identities from the page
        r = admin.post("/admin/notifications/identities", {"username": "erin", "provider": "slack", "external_id": "bad id"})
        self.assertEqual(r.status, 422)
        r = admin.post("/admin/notifications/identities", {"username": "erin", "provider": "slack", "external_id": "UERIN42"})
        self.assertEqual(r.status, 303)
        r = admin.post("/admin/notifications/identities", {"username": "bob", "provider": "slack", "external_id": "UERIN42"})
        self.assertEqual(r.status, 409)                           # one Slack user, one person
        self.assertEqual(self.server.sql("SELECT count(*) FROM user_identities WHERE external_id='UERIN42'")[0][0], 1)

    def test_16_the_demo_slack_secret_is_random_per_installation(self):
        import shutil
        import sqlite3
        import subprocess
        import tempfile
        import harness
        secret = json.loads(self.server.sql("SELECT config_json FROM notify_channels WHERE name='demo-slack'")[0][0])["signing_secret"]
        self.assertRegex(secret, r"^[0-9a-f]{64}$")
        other = tempfile.mkdtemp(prefix="holdpoint-e2e-other-")
        try:
            env = dict(self.server.env, HOLDPOINT_DATA=other)
            env.pop("HOLDPOINT_DATABASE", None)          # another installation: SQLite in its own directory
            for cmd in ("migrate", "seed-demo"):
                r = subprocess.run([harness.HOLDPOINT, cmd], env=env, capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
            con = sqlite3.connect(os.path.join(other, "holdpoint.db"))
            try:
                row = con.execute("SELECT config_json FROM notify_channels WHERE name='demo-slack'").fetchone()
            finally:
                con.close()
            self.assertNotEqual(json.loads(row[0])["signing_secret"], secret)
        finally:
            shutil.rmtree(other, ignore_errors=True)
        # the secret an earlier version printed in its source forges nothing
        forged = self.slack_post(self.button(1, "UCAROL1"), secret="demo-signing-secret")
        self.assertEqual(forged.status, 401)
        signed = self.slack_post(self.button(1, "UCAROL1"), secret=secret)
        self.assertNotEqual(signed.status, 401)                 # the installation's own secret is accepted

    def test_15_config_file_errors_are_reported(self):
        path = os.path.join(self.server.data, "notify.json")
        with open(path) as f:
            good = f.read()
        try:
            with open(path, "w") as f:
                f.write('{"channels": [ {"name": "broken", ')
            admin = self.admin()
            poll(lambda: "could not" in admin.get("/admin/notifications").text or
                         "not fully applied" in admin.get("/admin/notifications").text, what="the file's error shown")
            self.assertIn(">hook</a>", admin.get("/admin/notifications").text)      # the last good channels stay
        finally:
            with open(path, "w") as f:
                f.write(good)
            os.utime(path)
        poll(lambda: "not fully applied" not in self.admin().get("/admin/notifications").text, what="the error cleared")

    # -- people's time zones -----------------------------------------------------------------
    def test_20_deadline_in_the_recipients_time_zone(self):
        path = os.path.join(self.server.data, "tzflow.yaml")
        with open(path, "w") as f:
            f.write(TZ_TEMPLATE)
        self.server.cli("template", "import", path)
        carol = self.client()
        carol.login("carol", tz="Asia/Tokyo")          # her browser's zone, kept at sign-in
        self.assertEqual(self.server.sql("SELECT time_zone FROM users WHERE username='carol'"), [("Asia/Tokyo",)])
        r = self.api().request("POST", "/api/v1/releases", json_body={"template": "tzflow", "name": "tzsvc", "version": "1"})
        self.assertEqual(r.status, 201, r.text)
        gate = [a for p in r.json()["phases"] for a in p["activities"] if a["name"] == "tz-gate"][0]
        msg = poll(lambda: self.sink.find("carol@example.com", "tz-gate in tzsvc 1"), what="the e-mail to carol")
        text = msg.get_body().get_content()
        due = self.server.sql("SELECT deadline_at FROM activities WHERE id=?", gate["id"])[0][0] // 1000
        import datetime
        from zoneinfo import ZoneInfo
        local = datetime.datetime.fromtimestamp(due, ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M JST")
        utc = datetime.datetime.fromtimestamp(due, datetime.timezone.utc).strftime("%H:%M UTC")
        self.assertIn("Deadline: %s (" % local, text)
        self.assertIn(utc, text)


TZ_TEMPLATE = """apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: tzflow
phases:
  - name: main
    activities:
      - name: tz-gate
        type: approval
        deadline: 5h
        approvers:
          rules: [{team: sre, min: 1}]
"""


if __name__ == "__main__":
    unittest.main()
