"""test_identity.py — identity and access through the real stack: sign-in, sessions,
CSRF, admin pages and their authorisation, the user's own page, API tokens and the CLI.

Each class has its own server (ServerTestCase).  Tests in a class share it, so each
test uses people of its own (created through the CLI or the pages) or only reads the
demo users; none depends on another's order.  The sign-in throttle counts failures per
IP too (4 x 5 in 15 minutes): every class keeps well below that.
"""
import hashlib
import html
import json
import re
import secrets
import urllib.parse

from harness import ServerTestCase, PASSWORD

GENERIC_FAILURE = "That username and password do not match."


# ------------------------------------------------------------------ helpers

def alert_text(resp):
    """The text of the page's first role=alert paragraph (None if there is none)."""
    m = re.search(r'<p class="alert" role="alert">(.*?)</p>', resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def field_error(resp, field):
    """The message shown next to a form field (the <p class="error" id="FIELD-error">)."""
    m = re.search(r'<p class="error" id="%s-error">(.*?)</p>' % re.escape(field), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def post_multi(client, path, form):
    """POST a form whose values may be lists (repeated fields such as roles=a&roles=b)."""
    form = dict(form)
    form.setdefault("csrf", client.csrf)
    body = urllib.parse.urlencode(form, doseq=True).encode()
    return client.request("POST", path, body=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


def session_cookies(resp):
    """Set-Cookie values that set (not delete) a session cookie."""
    return [v for v in resp.header_all("Set-Cookie") if re.match(r"(__Host-)?hp_session=[0-9a-f]", v)]


def session_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def try_login(server, username, password):
    """A fresh client that attempts one sign-in; returns (client, response)."""
    c = server.client()
    c.get("/login")
    r = c.post("/login", {"username": username, "password": password, "next": "/"})
    return c, r


def add_user(server, name, password=PASSWORD, roles=("approver",), teams=(), display=None):
    """Add a person through the operator CLI; returns their id."""
    args = ["user", "add", name, "--email", name + "@example.com",
            "--display-name", display or (name.capitalize() + " Example")]
    for r in roles:
        args += ["--role", r]
    for t in teams:
        args += ["--team", t]
    server.cli(*args, stdin=password + "\n")
    return user_id(server, name)


def user_id(server, name):
    rows = server.sql("SELECT id FROM users WHERE username=?", name)
    return rows[0][0] if rows else None


def team_id(server, name):
    rows = server.sql("SELECT id FROM teams WHERE name=?", name)
    return rows[0][0] if rows else None


def members(server, team):
    return sorted(r[0] for r in server.sql(
        "SELECT u.username FROM team_members m JOIN users u ON u.id=m.user_id"
        " JOIN teams t ON t.id=m.team_id WHERE t.name=?", team))


def denials(server, path, actor):
    return server.sql("SELECT count(*) FROM audit_log WHERE action='access.denied' AND actor_name=?"
                      " AND json_extract(details_json, '$.path')=?", actor, path)[0][0]


def audit_count(server, action):
    return server.sql("SELECT count(*) FROM audit_log WHERE action=?", action)[0][0]


def signed_in(client):
    """True when the client's session still works (GET /me answers 200, not a redirect)."""
    r = client.get("/me")
    return r.status == 200


# ------------------------------------------------------------------ sign-in

class SignInTest(ServerTestCase):

    def test_01_sign_in_success_sets_session_cookie(self):
        c = self.client()
        c.get("/login")
        r = c.post("/login", {"username": "alice", "password": PASSWORD, "next": "/"})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/")
        cookies = [v for v in r.header_all("Set-Cookie") if v.startswith("hp_session=")]
        self.assertEqual(len(cookies), 1)
        token = cookies[0].split(";", 1)[0].split("=", 1)[1]
        self.assertRegex(token, r"^[0-9a-f]{64}$")
        # only the hash is stored, never the token
        self.assertEqual(self.server.sql("SELECT count(*) FROM sessions WHERE id_hash=?", session_hash(token))[0][0], 1)
        self.assertEqual(self.server.sql("SELECT count(*) FROM sessions WHERE id_hash=?", token)[0][0], 0)
        r = c.get("/me")
        self.assertEqual(r.status, 200)
        self.assertIn("Alice Manager", r.text)

    def test_02_failure_same_message_for_unknown_user_and_wrong_password(self):
        _, unknown = try_login(self.server, "nobody-here", "whatever-password")
        _, wrong = try_login(self.server, "dave", "not-the-password")
        self.assertEqual(unknown.status, 401)
        self.assertEqual(wrong.status, 401)
        self.assertEqual(alert_text(unknown), GENERIC_FAILURE)
        self.assertEqual(alert_text(wrong), alert_text(unknown))
        self.assertEqual(session_cookies(wrong), [])
        self.assertEqual(session_cookies(unknown), [])

    def test_03_cookie_attributes_over_http(self):
        c = self.client()
        c.get("/login")
        r = c.post("/login", {"username": "bob", "password": PASSWORD, "next": "/"})
        self.assertEqual(r.status, 303)
        cookie = [v for v in r.header_all("Set-Cookie") if v.startswith("hp_session=")][0]
        attrs = [a.strip() for a in cookie.split(";")[1:]]
        low = [a.lower() for a in attrs]
        self.assertIn("httponly", low)
        self.assertIn("samesite=strict", low)
        self.assertIn("path=/", low)
        self.assertNotIn("secure", low)           # served over plain http here
        self.assertFalse(any(a.startswith("domain") for a in low))
        self.assertFalse(cookie.startswith("__Host-"))

    def test_04_no_session_fixation(self):
        invented = secrets.token_hex(32)
        c = self.client()
        c.cookies["hp_session"] = invented
        r = c.get("/me")
        self.assertEqual(r.status, 303)         # the invented value is not a session
        self.assertTrue(r.header("Location").startswith("/login"))
        c.get("/login")
        r = c.post("/login", {"username": "erin", "password": PASSWORD, "next": "/"})
        self.assertEqual(r.status, 303)
        self.assertIn("hp_session", c.cookies)
        self.assertNotEqual(c.cookies["hp_session"], invented)
        self.assertEqual(self.server.sql("SELECT count(*) FROM sessions WHERE id_hash=?", session_hash(invented))[0][0], 0)
        self.assertTrue(signed_in(c))
        # the invented value still does not work afterwards
        other = self.client()
        other.cookies["hp_session"] = invented
        self.assertEqual(other.get("/me").status, 303)

    def test_05_old_cookie_fails_after_sign_out(self):
        c = self.login("carol")
        old = c.cookies["hp_session"]
        r = c.post("/logout")
        self.assertEqual(r.status, 303)
        self.assertNotIn("hp_session", c.cookies)      # the browser was told to delete it
        replay = self.client()
        replay.cookies["hp_session"] = old
        r = replay.get("/me")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").startswith("/login"))
        ended = self.server.sql("SELECT ended_at FROM sessions WHERE id_hash=?", session_hash(old))
        self.assertIsNotNone(ended[0][0])

    def test_06_throttling_after_five_failures(self):
        add_user(self.server, "throttled")
        for i in range(5):
            _, r = try_login(self.server, "throttled", "wrong-password-%d" % i)
            self.assertEqual(r.status, 401, "attempt %d" % (i + 1))
            self.assertEqual(alert_text(r), GENERIC_FAILURE)
        _, r = try_login(self.server, "throttled", PASSWORD)       # the right password
        self.assertEqual(r.status, 429)
        msg = alert_text(r)
        self.assertIn("Too many failed sign-ins", msg)
        self.assertNotIn("throttled", msg)             # generic: does not name or confirm the account
        self.assertEqual(session_cookies(r), [])
        # another account from the same IP is not locked by this one
        _, ok = try_login(self.server, "alice", PASSWORD)
        self.assertEqual(ok.status, 303)

    def test_07_disabled_user_cannot_sign_in_and_session_ends(self):
        uid = add_user(self.server, "dora")
        dora = self.login("dora")
        self.assertTrue(signed_in(dora))
        admin = self.login("admin")
        r = admin.post("/admin/users/%d/disable" % uid)
        self.assertEqual(r.status, 303)
        r = dora.get("/me")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").startswith("/login"))
        _, r = try_login(self.server, "dora", PASSWORD)
        self.assertEqual(r.status, 401)
        self.assertEqual(alert_text(r), GENERIC_FAILURE)

    def test_08_sign_in_page_redirects_signed_in_person(self):
        c = self.login("alice")
        r = c.get("/login?next=/me")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/me")


# ------------------------------------------------------------ throttling

class ThrottleTest(ServerTestCase):
    """Sign-in throttling that slows strangers down without locking people out (core/auth.c).
    Its own server: these tests fail many sign-ins from 127.0.0.1 on purpose, and move the clock."""

    def fail(self, username, times, client=None, status=401):
        for i in range(times):
            if client is None:
                _, r = try_login(self.server, username, "wrong-password-%d" % i)
            else:
                client.get("/login")
                r = client.post("/login", {"username": username, "password": "wrong-password-%d" % i})
            self.assertEqual(r.status, status, "failure %d: %s" % (i + 1, r.text[:300]))
        return r

    def test_01_growing_delays_per_name_and_address(self):
        add_user(self.server, "gwen")
        self.fail("gwen", 5)
        _, r = try_login(self.server, "gwen", PASSWORD)            # the right password must wait
        self.assertEqual(r.status, 429)
        msg = alert_text(r)
        self.assertIn("Try again in 1 minute", msg)
        self.assertIn("browser you have signed in from before", msg)
        self.assertNotIn("gwen", msg)
        self.assertEqual(session_cookies(r), [])
        self.server.advance_clock(31)                              # 30 s later: one more try
        r = self.fail("gwen", 1)
        _, r = try_login(self.server, "gwen", PASSWORD)            # now a minute
        self.assertEqual(r.status, 429)
        self.assertIn("Try again in 1 minute", alert_text(r))
        self.server.advance_clock(61)
        _, r = try_login(self.server, "gwen", PASSWORD)
        self.assertEqual(r.status, 303)
        audit = self.server.sql("SELECT details_json FROM audit_log WHERE action='auth.login_throttled'"
                                " ORDER BY seq DESC LIMIT 1")
        d = json.loads(audit[0][0])
        self.assertEqual((d["username"], d["limit"]), ("gwen", "name_and_address"))
        self.assertGreater(d["wait_s"], 0)

    def test_02_a_browser_that_signed_in_before_keeps_signing_in(self):
        add_user(self.server, "hana")
        own, r = try_login(self.server, "hana", PASSWORD)
        self.assertEqual(r.status, 303)
        device = [v for v in r.header_all("Set-Cookie") if v.startswith("hp_device=")]
        self.assertEqual(len(device), 1, r.header_all("Set-Cookie"))
        self.assertIn("HttpOnly", device[0])
        self.assertIn("Max-Age=31536000", device[0])
        own.post("/logout")
        self.fail("hana", 5)                                       # a stranger guesses from the same NAT
        _, r = try_login(self.server, "hana", PASSWORD)
        self.assertEqual(r.status, 429)                            # a new browser waits
        own.get("/login")
        r = own.post("/login", {"username": "hana", "password": PASSWORD, "next": "/"})
        self.assertEqual(r.status, 303, alert_text(r))             # hana's own browser does not
        self.assertEqual([v for v in r.header_all("Set-Cookie") if v.startswith("hp_device=")], [])
        # the device cookie is hana's, not a pass for anyone else
        add_user(self.server, "ivan")
        self.fail("ivan", 5)
        own.post("/logout")
        own.get("/login")
        r = own.post("/login", {"username": "ivan", "password": PASSWORD, "next": "/"})
        self.assertEqual(r.status, 429)
        # and a trusted browser that keeps failing loses the privilege
        self.fail("hana", 5, client=own)
        own.get("/login")
        r = own.post("/login", {"username": "hana", "password": PASSWORD, "next": "/"})
        self.assertEqual(r.status, 429)

    def test_03_an_address_trying_unknown_names_gets_in_only_with_a_right_password(self):
        add_user(self.server, "jon")
        names = ["nobody-%d" % i for i in range(20)]
        for n in names:
            self.fail(n, 1)
        _, unknown = try_login(self.server, "nobody-else", "whatever-password")
        self.assertEqual(unknown.status, 429)
        _, wrong = try_login(self.server, "jon", "wrong-password")    # the same answer: no enumeration
        self.assertEqual(wrong.status, 429)
        self.assertEqual(alert_text(wrong), alert_text(unknown))
        self.assertIn("from this address", alert_text(unknown))
        _, right = try_login(self.server, "jon", PASSWORD)              # a person who knows it gets in
        self.assertEqual(right.status, 303)

    def test_04_the_administrator_sees_the_attempts(self):
        self.server.advance_clock(16 * 60)                         # past the window of the tests before
        add_user(self.server, "kim")
        self.fail("kim", 5)
        self.fail("no-such-kim", 1)
        admin = self.login("admin")
        r = admin.get("/admin")
        self.assertIn('href="/admin/sign-ins"', r.text)
        self.assertIn('href="/admin/notifications"', r.text)
        r = admin.get("/admin/sign-ins")
        self.assertEqual(r.status, 200)
        row = re.search(r"<tr>\s*<td><a href=\"/admin/users/\d+\">kim</a></td>(.*?)</tr>", r.text, re.S)
        self.assertIsNotNone(row, r.text[:3000])
        self.assertIn("127.0.0.1", row.group(1))
        self.assertIn("Slowed down until", row.group(1))
        self.assertRegex(row.group(1), r"<td>5</td>\s*<td>5</td>")
        self.assertRegex(r.text, r"<td>no-such-kim</td>\s*<td><code>127.0.0.1</code></td>\s*<td><span class=\"muted\">No such account")
        self.assertEqual(self.login("carol").get("/admin/sign-ins").status, 403)


# ------------------------------------------------------------------ expiry

class ExpiryTest(ServerTestCase):
    """Moves the server clock: sessions of every test end, so each test signs in afresh."""

    def test_idle_expiry(self):
        c = self.login("alice")
        self.server.advance_clock(1700)
        self.assertTrue(signed_in(c), "29 min of inactivity must not end the session")
        self.server.advance_clock(1801)
        r = c.get("/me")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").startswith("/login"))

    def test_absolute_expiry(self):
        c = self.login("bob")
        elapsed = 0
        while elapsed + 1700 < 43200:
            self.server.advance_clock(1700)
            elapsed += 1700
            self.assertTrue(signed_in(c), "active session ended after %d s" % elapsed)
        self.server.advance_clock(1700)               # now past 12 h since sign-in
        r = c.get("/me")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").startswith("/login"))
        # signing in again gives a fresh 12 hours
        c.login("bob")
        self.assertTrue(signed_in(c))


class KeptSessionTest(ServerTestCase):
    """A worker keeps who a session cookie names while the database does not change: every
    change made elsewhere (here: straight into the database, as another process would) and the
    clock still decide at once, on every worker."""

    VISITS = 6                                   # sequential requests: both workers answer some

    def visits(self, client, path):
        return [client.get(path) for _ in range(self.VISITS)]

    def test_changes_made_elsewhere_show_at_once(self):
        erin = self.login("erin")
        uid = user_id(self.server, "erin")
        for r in self.visits(erin, "/audit"):                       # kept by the workers now
            self.assertEqual(r.status, 200)
            self.assertIn("Erin Auditor", r.text[:2000])
        self.server.execute("UPDATE users SET display_name='Erin Renamed' WHERE id=?", (uid,))
        for r in self.visits(erin, "/audit"):
            self.assertEqual(r.status, 200)
            self.assertIn("Erin Renamed", r.text[:2000])        # the header names the person
        self.server.execute("DELETE FROM user_roles WHERE user_id=? AND role='auditor'", (uid,))
        for r in self.visits(erin, "/audit"):
            self.assertEqual(r.status, 403, "a role taken away counts at once")
        self.server.execute("INSERT INTO user_roles(user_id, role) VALUES(?, 'auditor')", (uid,))
        for r in self.visits(erin, "/audit"):
            self.assertEqual(r.status, 200)
        self.server.execute("UPDATE sessions SET ended_at=created_at WHERE user_id=?", (uid,))
        for r in self.visits(erin, "/audit"):
            self.assertEqual(r.status, 303, "an ended session counts at once")
            self.assertTrue(r.header("Location").startswith("/login"))

    def test_api_token_revoked_elsewhere_is_refused_at_once(self):
        api = self.client(token=self.server.demo_token())
        for r in self.visits(api, "/api/v1/approvals"):
            self.assertEqual(r.status, 200)
        used = self.server.sql("SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL")[0][0]
        self.assertGreaterEqual(used, 1, "the last use is recorded")
        self.server.execute("UPDATE api_tokens SET revoked_at=last_used_at")
        for r in self.visits(api, "/api/v1/approvals"):
            self.assertEqual(r.status, 401, "a revoked token counts at once")

    def test_idle_limit_holds_for_a_kept_session(self):
        c = self.login("carol")
        for r in self.visits(c, "/me"):
            self.assertEqual(r.status, 200)
        self.server.advance_clock(1801)                              # no write: only the clock moved
        for r in self.visits(c, "/me"):
            self.assertEqual(r.status, 303, "idle past the limit")
            self.assertTrue(r.header("Location").startswith("/login"))


# ------------------------------------------------------------------ CSRF

class CsrfTest(ServerTestCase):

    def setUp(self):
        self.admin = self.login("admin")
        self.carol = user_id(self.server, "carol")

    def display_name(self):
        return self.server.sql("SELECT display_name FROM users WHERE id=?", self.carol)[0][0]

    def edit_carol(self, client, name, **kw):
        return client.post("/admin/users/%d" % self.carol,
                           {"display_name": name, "email": "carol@example.com", "roles": "approver"}, **kw)

    def test_post_without_token(self):
        before = denials(self.server, "/admin/teams", "admin")
        r = self.admin.post("/admin/teams", {"name": "csrf-none"}, with_csrf=False)
        self.assertEqual(r.status, 403)
        self.assertIsNone(team_id(self.server, "csrf-none"))
        self.assertEqual(denials(self.server, "/admin/teams", "admin"), before + 1)
        r = self.edit_carol(self.admin, "Changed Without Token", with_csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.display_name(), "Carol Reliability")

    def test_post_with_another_sessions_token(self):
        other = self.login("admin")
        self.assertNotEqual(other.csrf, self.admin.csrf)
        r = self.admin.post("/admin/teams", {"name": "csrf-other", "csrf": other.csrf})
        self.assertEqual(r.status, 403)
        self.assertIsNone(team_id(self.server, "csrf-other"))
        r = self.admin.post("/admin/users/%d" % self.carol, {"display_name": "Changed Other Token",
                            "email": "carol@example.com", "roles": "approver", "csrf": other.csrf})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.display_name(), "Carol Reliability")

    def test_foreign_origin(self):
        r = self.admin.post("/admin/teams", {"name": "csrf-origin"}, headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertIsNone(team_id(self.server, "csrf-origin"))
        r = self.edit_carol(self.admin, "Changed From Evil", headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.display_name(), "Carol Reliability")
        reasons = self.server.sql("SELECT json_extract(details_json, '$.reason') FROM audit_log"
                                  " WHERE action='access.denied' AND actor_name='admin'")
        self.assertIn(("foreign origin",), reasons)

    def test_sec_fetch_site_cross_site(self):
        r = self.admin.post("/admin/teams", {"name": "csrf-site"}, headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        self.assertIsNone(team_id(self.server, "csrf-site"))
        r = self.edit_carol(self.admin, "Changed Cross Site", headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.display_name(), "Carol Reliability")

    def test_same_request_with_valid_token_works(self):
        """The control: the very requests refused above succeed with the right token and origin."""
        r = self.admin.post("/admin/teams", {"name": "csrf-ok"},
                            headers={"Origin": self.server.url("").rstrip("/"), "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(r.status, 303)
        self.assertIsNotNone(team_id(self.server, "csrf-ok"))

    def test_me_forms_need_the_token_too(self):
        alice = self.login("alice")
        before = self.server.sql("SELECT count(*) FROM api_tokens")[0][0]
        r = alice.post("/me/tokens", {"token_name": "stolen"}, with_csrf=False)
        self.assertEqual(r.status, 403)
        r = alice.post("/me/tokens", {"token_name": "stolen"}, headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.sql("SELECT count(*) FROM api_tokens")[0][0], before)
        r = alice.post("/me/password", {"current_password": PASSWORD, "new_password": "evil-password-1",
                                        "new_password2": "evil-password-1"}, with_csrf=False)
        self.assertEqual(r.status, 403)
        _, ok = try_login(self.server, "alice", PASSWORD)
        self.assertEqual(ok.status, 303)


# ------------------------------------------------------------------ authorisation

ADMIN_GETS = ["/admin", "/admin/users", "/admin/users/%(uid)d", "/admin/teams", "/admin/users?page=2"]
ADMIN_POSTS = [
    ("/admin/users", {"username": "intruder", "display_name": "Intruder", "email": "i@example.com",
                      "password": "intruder-password", "roles": "admin"}),
    ("/admin/users/%(uid)d", {"display_name": "Hacked", "email": "carol@example.com", "roles": "admin"}),
    ("/admin/users/%(uid)d/password", {"password": "hacked-password", "password2": "hacked-password"}),
    ("/admin/users/%(admin)d/disable", {}),
    ("/admin/users/%(uid)d/enable", {}),
    ("/admin/teams", {"name": "intruders"}),
    ("/admin/teams/%(tid)d/members", {"username": "carol"}),
    ("/admin/teams/%(tid)d/members/%(member)d/remove", {}),
]


class AdminAuthorisationTest(ServerTestCase):

    def ids(self):
        return {"uid": user_id(self.server, "carol"), "admin": user_id(self.server, "admin"),
                "tid": team_id(self.server, "admins"), "member": user_id(self.server, "admin")}

    def test_every_admin_route_refused_to_non_admin_and_logged(self):
        carol = self.login("carol")
        ids = self.ids()
        for pattern in ADMIN_GETS:
            path = pattern % ids
            bare = path.split("?")[0]
            before = denials(self.server, bare, "carol")
            r = carol.get(path)
            self.assertEqual(r.status, 403, path)
            self.assertNotIn("Ada Admin", r.text.split("<main", 1)[1], path)
            self.assertEqual(denials(self.server, bare, "carol"), before + 1, "denial of %s not recorded" % path)
        for pattern, form in ADMIN_POSTS:
            path = pattern % ids
            before = denials(self.server, path, "carol")
            r = carol.post(path, form)
            self.assertEqual(r.status, 403, path)
            self.assertEqual(denials(self.server, path, "carol"), before + 1, "denial of %s not recorded" % path)
        # and nothing changed
        self.assertIsNone(user_id(self.server, "intruder"))
        self.assertIsNone(team_id(self.server, "intruders"))
        row = self.server.sql("SELECT display_name, is_admin FROM users WHERE username='carol'")[0]
        self.assertEqual(row, ("Carol Reliability", 0))
        self.assertEqual(self.server.sql("SELECT disabled FROM users WHERE username='admin'")[0][0], 0)
        self.assertEqual(members(self.server, "admins"), ["admin"])
        _, ok = try_login(self.server, "carol", PASSWORD)
        self.assertEqual(ok.status, 303)

    def test_each_non_admin_role_refused(self):
        for name in ("alice", "bob", "dave", "erin"):
            c = self.login(name)
            self.assertEqual(c.get("/admin/users").status, 403, name)
            self.assertEqual(c.post("/admin/teams", {"name": "by-" + name}).status, 403, name)
            self.assertIsNone(team_id(self.server, "by-" + name))

    def test_admin_reaches_every_admin_page(self):
        admin = self.login("admin")
        for pattern in ADMIN_GETS:
            r = admin.get(pattern % self.ids())
            self.assertEqual(r.status, 200, pattern)

    def test_signed_out_visitor(self):
        c = self.client()
        r = c.get("/admin/users")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/login?next=/admin/users")
        r = c.post("/admin/teams", {"name": "anonymous"})
        self.assertEqual(r.status, 403)
        self.assertIsNone(team_id(self.server, "anonymous"))
        r = c.get("/me")
        self.assertEqual(r.status, 303)

    def test_admin_link_only_for_admins(self):
        self.assertNotIn('href="/admin"', self.login("carol").get("/me").text)
        self.assertIn('href="/admin"', self.login("admin").get("/me").text)


# ------------------------------------------------------------------ admin pages

class AdminPagesTest(ServerTestCase):

    def setUp(self):
        self.admin = self.login("admin")

    def test_add_user_then_they_sign_in(self):
        r = post_multi(self.admin, "/admin/users", {"username": "frank", "display_name": "Frank Ops",
                                             "email": "frank@example.com", "password": "frank-password-1",
                                             "roles": ["approver", "qa"], "teams": ["sre"]})
        self.assertEqual(r.status, 303, r.text[:2000])
        uid = user_id(self.server, "frank")
        self.assertIsNotNone(uid)
        self.assertEqual(r.header("Location"), "/admin/users/%d" % uid)
        roles = sorted(x[0] for x in self.server.sql("SELECT role FROM user_roles WHERE user_id=?", uid))
        self.assertEqual(roles, ["approver", "qa"])
        self.assertIn("frank", members(self.server, "sre"))
        self.assertGreaterEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='user.add'"
                                                " AND object_id=? AND actor_name='admin'", uid)[0][0], 1)
        page = self.admin.get(r.header("Location"))
        self.assertEqual(page.status, 200)
        self.assertIn("was added", page.text)               # the flash
        frank = self.client()
        frank.login("frank", "frank-password-1")
        me = frank.get("/me")
        self.assertIn("Frank Ops", me.text)
        self.assertIn("Approver", me.text)
        self.assertIn("QA", me.text)
        self.assertIn("sre", me.text)

    def test_add_user_errors_next_to_fields(self):
        before = self.server.sql("SELECT count(*) FROM users")[0][0]
        r = self.admin.post("/admin/users", {"username": "Not Valid", "display_name": "",
                                             "email": "nope", "password": "short", "roles": "superuser"})
        self.assertEqual(r.status, 422)
        self.assertIn("lower-case", field_error(r, "username"))
        self.assertEqual(field_error(r, "display_name"), "This field is required.")
        self.assertIn("e-mail address", field_error(r, "email"))
        self.assertIn("10 characters", field_error(r, "password"))
        self.assertIn('value="Not Valid"', r.text)          # what was typed is kept
        self.assertNotIn("short", re.findall(r'type="password"[^>]*>', r.text)[0])
        r = self.admin.post("/admin/users", {"username": "bob", "display_name": "Another Bob",
                                             "email": "bob2@example.com", "password": "long-enough-pw"})
        self.assertEqual(r.status, 409)
        self.assertIn("taken", field_error(r, "username"))
        self.assertIn('value="Another Bob"', r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM users")[0][0], before)

    def test_edit_user(self):
        uid = add_user(self.server, "gwen", roles=("qa",))
        r = post_multi(self.admin, "/admin/users/%d" % uid, {"display_name": "Gwen <b>Bold</b>",
                                                      "email": "gwen.new@example.com",
                                                      "roles": ["release_manager", "auditor"]})
        self.assertEqual(r.status, 303)
        row = self.server.sql("SELECT display_name, email FROM users WHERE id=?", uid)[0]
        self.assertEqual(row, ("Gwen <b>Bold</b>", "gwen.new@example.com"))
        roles = sorted(x[0] for x in self.server.sql("SELECT role FROM user_roles WHERE user_id=?", uid))
        self.assertEqual(roles, ["auditor", "release_manager"])
        page = self.admin.get("/admin/users/%d" % uid)
        self.assertIn("Gwen &lt;b&gt;Bold&lt;/b&gt;", page.text)       # escaped, never markup
        self.assertNotIn("<b>Bold</b>", page.text)
        r = self.admin.post("/admin/users/%d" % uid, {"display_name": "", "email": "bad", "roles": "qa"})
        self.assertEqual(r.status, 422)
        self.assertEqual(field_error(r, "display_name"), "This field is required.")
        self.assertTrue(field_error(r, "email"))
        self.assertEqual(self.server.sql("SELECT email FROM users WHERE id=?", uid)[0][0], "gwen.new@example.com")
        self.assertEqual(self.admin.get("/admin/users/999999").status, 404)
        self.assertEqual(self.admin.post("/admin/users/999999", {"display_name": "X", "email": "x@example.com"}).status, 404)

    def test_admin_cannot_remove_own_admin_role_or_disable_self(self):
        me = user_id(self.server, "admin")
        r = self.admin.post("/admin/users/%d" % me, {"display_name": "Ada Admin", "email": "admin@example.com",
                                                     "roles": "approver"})
        self.assertEqual(r.status, 422)
        self.assertIn("cannot remove your own admin role", field_error(r, "roles"))
        self.assertEqual(self.server.sql("SELECT is_admin FROM users WHERE id=?", me)[0][0], 1)
        r = self.admin.post("/admin/users/%d/disable" % me)
        self.assertEqual(r.status, 409)
        self.assertIn("cannot disable your own account", alert_text(r))
        self.assertEqual(self.server.sql("SELECT disabled FROM users WHERE id=?", me)[0][0], 0)
        self.assertTrue(signed_in(self.admin))
        # keeping the admin role while changing other things is fine
        r = post_multi(self.admin, "/admin/users/%d" % me, {"display_name": "Ada Admin", "email": "admin@example.com",
                                                            "roles": ["admin", "auditor"]})
        self.assertEqual(r.status, 303)

    def test_reset_password(self):
        uid = add_user(self.server, "hank")
        hank = self.login("hank")
        r = self.admin.post("/admin/users/%d/password" % uid, {"password": "new-hank-pass", "password2": "other-pass-xx"})
        self.assertEqual(r.status, 422)
        self.assertIn("not the same", field_error(r, "password2"))
        r = self.admin.post("/admin/users/%d/password" % uid, {"password": "short", "password2": "short"})
        self.assertEqual(r.status, 422)
        self.assertIn("10 characters", field_error(r, "password"))
        r = self.admin.post("/admin/users/%d/password" % uid, {"password": "new-hank-pass", "password2": "new-hank-pass"})
        self.assertEqual(r.status, 303)
        self.assertFalse(signed_in(hank), "a reset ends the person's sessions")
        _, old = try_login(self.server, "hank", PASSWORD)
        self.assertEqual(old.status, 401)
        _, new = try_login(self.server, "hank", "new-hank-pass")
        self.assertEqual(new.status, 303)
        self.assertTrue(signed_in(self.admin))

    def test_disable_and_enable(self):
        uid = add_user(self.server, "iris")
        iris = self.login("iris")
        tok = self.server.cli("token", "create", "--user", "iris", "--name", "ci").stdout.strip()
        self.assertEqual(self.client(token=tok).get("/api/v1/me").status, 200)
        page = self.admin.get("/admin/users/%d" % uid)
        self.assertRegex(page.text, r'<button[^>]*data-confirm="Disable iris\?[^"]*"[^>]*>Disable user</button>')
        r = self.admin.post("/admin/users/%d/disable" % uid)
        self.assertEqual(r.status, 303)
        self.assertEqual(self.server.sql("SELECT disabled FROM users WHERE id=?", uid)[0][0], 1)
        self.assertEqual(self.admin.post("/admin/users/%d/disable" % uid).status, 303)     # again: no change
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='user.disable'"
                                         " AND object_id=?", uid)[0][0], 1)
        self.assertFalse(signed_in(iris))
        self.assertEqual(self.client(token=tok).get("/api/v1/me").status, 401)
        self.assertIn("Enable user", self.admin.get("/admin/users/%d" % uid).text)
        r = self.admin.post("/admin/users/%d/enable" % uid)
        self.assertEqual(r.status, 303)
        _, ok = try_login(self.server, "iris", PASSWORD)
        self.assertEqual(ok.status, 303)
        self.assertEqual(self.client(token=tok).get("/api/v1/me").status, 401, "tokens stay revoked")
        self.assertEqual(self.admin.post("/admin/users/999999/disable").status, 404)

    def test_teams_add_and_membership(self):
        add_user(self.server, "jules")
        r = self.admin.post("/admin/teams", {"name": "payments", "description": "Payments squad"})
        self.assertEqual(r.status, 303)
        tid = team_id(self.server, "payments")
        self.assertIsNotNone(tid)
        self.assertEqual(r.header("Location"), "/admin/teams#team-%d" % tid)
        page = self.admin.get("/admin/teams")
        self.assertIn("Payments squad", page.text)
        self.assertIn("No members yet.", page.text)
        r = self.admin.post("/admin/teams", {"name": "payments"})
        self.assertEqual(r.status, 409)
        self.assertIn("already a team", field_error(r, "name"))
        r = self.admin.post("/admin/teams", {"name": "Bad Team!"})
        self.assertEqual(r.status, 422)
        self.assertTrue(field_error(r, "name"))
        # add and remove a member
        r = self.admin.post("/admin/teams/%d/members" % tid, {"username": "jules"})
        self.assertEqual(r.status, 303)
        self.assertEqual(members(self.server, "payments"), ["jules"])
        self.assertIn("Jules Example", self.admin.get("/admin/teams").text)
        r = self.admin.post("/admin/teams/%d/members" % tid, {"username": "no-such-person"})
        self.assertEqual(r.status, 422)
        self.assertIn("There is no user", field_error(r, "member-%d" % tid))
        self.assertEqual(members(self.server, "payments"), ["jules"])
        uid = user_id(self.server, "jules")
        r = self.admin.post("/admin/teams/%d/members/%d/remove" % (tid, uid))
        self.assertEqual(r.status, 303)
        self.assertEqual(members(self.server, "payments"), [])
        self.assertEqual(self.admin.post("/admin/teams/%d/members/%d/remove" % (tid, uid)).status, 404)
        self.assertEqual(self.admin.post("/admin/teams/999999/members", {"username": "jules"}).status, 404)
        actions = [a[0] for a in self.server.sql("SELECT action FROM audit_log WHERE object_type='team'"
                                                 " AND object_id=? ORDER BY seq", tid)]
        self.assertEqual(actions, ["team.add", "team.member_add", "team.member_remove"])

    def test_membership_from_the_user_page(self):
        uid = add_user(self.server, "kira")
        tid = team_id(self.server, "dba")
        page = self.admin.get("/admin/users/%d" % uid)
        self.assertIn("Not in any team.", page.text)
        self.assertIn('action="/admin/teams/%d/members"' % tid, page.text)
        r = self.admin.post("/admin/teams/%d/members" % tid, {"username": "kira", "back": "user"})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/admin/users/%d#teams" % uid)
        self.assertIn("kira", members(self.server, "dba"))
        page = self.admin.get("/admin/users/%d" % uid)
        self.assertIn('action="/admin/teams/%d/members/%d/remove"' % (tid, uid), page.text)
        r = self.admin.post("/admin/teams/%d/members/%d/remove" % (tid, uid), {"back": "user"})
        self.assertEqual(r.status, 303)
        self.assertNotIn("kira", members(self.server, "dba"))

    def test_user_list_paginates(self):
        for i in range(52):
            self.server.cli("user", "add", "page%02d" % i, "--email", "p%d@example.com" % i,
                            "--display-name", "Paged %d" % i, stdin="paged-password\n")
        total = self.server.sql("SELECT count(*) FROM users")[0][0]
        self.assertGreater(total, 50)
        rows = lambda r: len(re.findall(r'<a href="/admin/users/\d+">', r.text))
        p1 = self.admin.get("/admin/users")
        self.assertEqual(p1.status, 200)
        self.assertEqual(rows(p1), 50)
        pages = (total + 49) // 50
        self.assertIn("Page 1 of %d" % pages, p1.text)
        self.assertIn('href="/admin/users?page=2"', p1.text)
        seen = rows(p1)
        for n in range(2, pages + 1):
            p = self.admin.get("/admin/users?page=%d" % n)
            self.assertEqual(p.status, 200)
            self.assertIn("Page %d of %d" % (n, pages), p.text)
            seen += rows(p)
        self.assertEqual(seen, total)
        self.assertEqual(rows(self.admin.get("/admin/users?page=abc")), 50)       # bad value: page 1
        self.assertIn("Page %d of %d" % (pages, pages), self.admin.get("/admin/users?page=9999").text)

    def test_admin_home(self):
        r = self.admin.get("/admin")
        self.assertEqual(r.status, 200)
        self.assertIn('href="/admin/users"', r.text)
        self.assertIn('href="/admin/teams"', r.text)


# ------------------------------------------------------------------ the user's own page

class MePageTest(ServerTestCase):

    def test_profile(self):
        c = self.login("carol")
        r = c.get("/me")
        self.assertEqual(r.status, 200)
        for text in ("Carol Reliability", "carol", "carol@example.com", "Approver", "sre", "dba"):
            self.assertIn(text, r.text)

    def test_sessions_listed_and_ending_another_signs_it_out(self):
        add_user(self.server, "lena")
        a = self.login("lena")
        b = self.login("lena")
        page = a.get("/me")
        self.assertEqual(page.text.count("This session"), 1)
        self.assertEqual(len(re.findall(r'action="/me/sessions/\d+/end"', page.text)), 2)
        self.assertIn("127.0.0.1", page.text)
        self.assertIn("holdpoint-e2e", page.text)              # the user agent
        self.assertRegex(page.text, r'data-confirm="End this session\?[^"]*"')
        b_row = self.server.sql("SELECT rowid FROM sessions WHERE id_hash=?", session_hash(b.cookies["hp_session"]))[0][0]
        self.assertIn('action="/me/sessions/%d/end"' % b_row, page.text)
        r = a.post("/me/sessions/%d/end" % b_row)
        self.assertEqual(r.status, 303)
        self.assertFalse(signed_in(b))
        self.assertTrue(signed_in(a))
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='session.end' AND object_id=?",
                                         b_row)[0][0], 1)
        # already ended: nothing to end
        self.assertEqual(a.post("/me/sessions/%d/end" % b_row).status, 404)

    def test_cannot_end_someone_elses_session(self):
        add_user(self.server, "mona")
        add_user(self.server, "nils")
        mona = self.login("mona")
        nils = self.login("nils")
        row = self.server.sql("SELECT rowid FROM sessions WHERE id_hash=?", session_hash(nils.cookies["hp_session"]))[0][0]
        self.assertNotIn('action="/me/sessions/%d/end"' % row, mona.get("/me").text)
        r = mona.post("/me/sessions/%d/end" % row)
        self.assertEqual(r.status, 404)
        self.assertTrue(signed_in(nils))
        self.assertEqual(mona.post("/me/sessions/999999/end").status, 404)

    def test_ending_this_session_signs_out(self):
        c = self.login("dave")
        row = self.server.sql("SELECT rowid FROM sessions WHERE id_hash=?", session_hash(c.cookies["hp_session"]))[0][0]
        old = c.cookies["hp_session"]
        r = c.post("/me/sessions/%d/end" % row)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/login")
        self.assertNotIn("hp_session", c.cookies)
        replay = self.client()
        replay.cookies["hp_session"] = old
        self.assertFalse(signed_in(replay))

    def test_token_create_use_revoke(self):
        add_user(self.server, "olga")
        c = self.login("olga")
        self.assertIn("You have no API tokens.", c.get("/me").text)
        r = c.post("/me/tokens", {"token_name": "deploy pipeline"})
        self.assertIn(r.status, (200, 201))
        self.assertIsNone(r.header("Location"))
        m = re.search(r'value="(hp_[0-9a-f]{64})"', r.text)
        self.assertIsNotNone(m, "the new token is shown on the page")
        token = m.group(1)
        self.assertIn("will not be shown again", r.text)
        self.assertFalse(any(token in v for v in r.header_all("Set-Cookie")))
        # only its hash is stored, and the token is never shown again
        self.assertEqual(self.server.sql("SELECT count(*) FROM api_tokens WHERE token_hash=?", session_hash(token))[0][0], 1)
        self.assertEqual(self.server.sql("SELECT count(*) FROM api_tokens WHERE token_hash=?", token)[0][0], 0)
        page = c.get("/me")
        self.assertNotIn(token, page.text)
        self.assertIn("deploy pipeline", page.text)
        self.assertIn("never", page.text)                   # not used yet
        api = self.client(token=token).get("/api/v1/me")
        self.assertEqual(api.status, 200)
        self.assertEqual(api.json()["username"], "olga")
        self.assertNotIn("never", re.search(r"deploy pipeline</td>.*?</tr>", c.get("/me").text, re.S).group(0))
        tid = self.server.sql("SELECT id FROM api_tokens WHERE token_hash=?", session_hash(token))[0][0]
        r = c.post("/me/tokens/%d/revoke" % tid)
        self.assertEqual(r.status, 303)
        self.assertEqual(self.client(token=token).get("/api/v1/me").status, 401)
        self.assertIn("Revoked", c.get("/me").text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action IN ('token.create','token.revoke')"
                                         " AND object_id=?", tid)[0][0], 2)

    def test_token_name_required(self):
        c = self.login("erin")
        before = self.server.sql("SELECT count(*) FROM api_tokens")[0][0]
        r = c.post("/me/tokens", {"token_name": ""})
        self.assertEqual(r.status, 422)
        self.assertEqual(field_error(r, "token_name"), "This field is required.")
        r = c.post("/me/tokens", {"token_name": "x" * 101})
        self.assertEqual(r.status, 422)
        self.assertIn("at most 100", field_error(r, "token_name"))
        self.assertEqual(self.server.sql("SELECT count(*) FROM api_tokens")[0][0], before)

    def test_cannot_revoke_someone_elses_token(self):
        add_user(self.server, "pia")
        tok = self.server.cli("token", "create", "--user", "alice", "--name", "alice-ci").stdout.strip()
        tid = self.server.sql("SELECT id FROM api_tokens WHERE token_hash=?", session_hash(tok))[0][0]
        pia = self.login("pia")
        self.assertNotIn("alice-ci", pia.get("/me").text)
        r = pia.post("/me/tokens/%d/revoke" % tid)
        self.assertEqual(r.status, 404)
        self.assertIsNone(self.server.sql("SELECT revoked_at FROM api_tokens WHERE id=?", tid)[0][0])
        self.assertEqual(self.client(token=tok).get("/api/v1/me").status, 200)
        self.assertEqual(pia.post("/me/tokens/999999/revoke").status, 404)

    def test_change_password(self):
        add_user(self.server, "quinn")
        c = self.login("quinn")
        other = self.login("quinn")
        r = c.post("/me/password", {"current_password": "wrong-password", "new_password": "quinn-new-pass",
                                    "new_password2": "quinn-new-pass"})
        self.assertEqual(r.status, 422)
        self.assertEqual(field_error(r, "current_password"), "That is not your current password.")
        r = c.post("/me/password", {"current_password": PASSWORD, "new_password": "quinn-new-pass",
                                    "new_password2": "quinn-new-typo"})
        self.assertEqual(r.status, 422)
        self.assertIn("not the same", field_error(r, "new_password2"))
        r = c.post("/me/password", {"current_password": PASSWORD, "new_password": "short",
                                    "new_password2": "short"})
        self.assertEqual(r.status, 422)
        self.assertIn("10 characters", field_error(r, "new_password"))
        r = c.post("/me/password", {"current_password": "", "new_password": "", "new_password2": ""})
        self.assertEqual(r.status, 422)
        self.assertEqual(field_error(r, "current_password"), "This field is required.")
        self.assertEqual(field_error(r, "new_password"), "This field is required.")
        _, still = try_login(self.server, "quinn", PASSWORD)
        self.assertEqual(still.status, 303, "failed changes leave the password alone")
        r = c.post("/me/password", {"current_password": PASSWORD, "new_password": "quinn-new-pass",
                                    "new_password2": "quinn-new-pass"})
        self.assertEqual(r.status, 303)
        self.assertTrue(signed_in(c))
        self.assertFalse(signed_in(other), "other sessions end when the password changes")
        _, old = try_login(self.server, "quinn", PASSWORD)
        self.assertEqual(old.status, 401)
        _, new = try_login(self.server, "quinn", "quinn-new-pass")
        self.assertEqual(new.status, 303)


# ------------------------------------------------------------------ API tokens

class ApiTokenTest(ServerTestCase):

    def assert_json_401(self, r):
        self.assertEqual(r.status, 401)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        body = r.json()
        self.assertIsInstance(body.get("error"), dict)
        self.assertEqual(body["error"]["code"], "unauthorized")
        self.assertTrue(body["error"]["message"])

    def test_without_token(self):
        self.assert_json_401(self.client().get("/api/v1/me"))

    def test_malformed_tokens(self):
        for bad in ("hp_" + "0" * 64, "not-a-token", "hp_" + "g" * 64, ""):
            self.assert_json_401(self.client(token=bad).get("/api/v1/me"))
        r = self.client().get("/api/v1/me", headers={"Authorization": "Basic YWxpY2U6aG9sZHBvaW50LWRlbW8="})
        self.assert_json_401(r)

    def test_session_cookie_is_not_an_api_credential(self):
        c = self.login("alice")
        self.assert_json_401(c.get("/api/v1/me"))

    def test_valid_and_revoked_token(self):
        tok = self.server.cli("token", "create", "--user", "bob", "--name", "bob-ci").stdout.strip()
        self.assertRegex(tok, r"^hp_[0-9a-f]{64}$")
        r = self.client(token=tok).get("/api/v1/me")
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body["username"], "bob")
        self.assertEqual(body["roles"], ["qa"])
        tid = self.server.sql("SELECT id FROM api_tokens WHERE token_hash=?", session_hash(tok))[0][0]
        self.server.cli("token", "revoke", str(tid))
        self.assert_json_401(self.client(token=tok).get("/api/v1/me"))

    def test_demo_token(self):
        r = self.client(token=self.server.demo_token()).get("/api/v1/me")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["username"], "alice")


# ------------------------------------------------------------------ operator CLI

class CliTest(ServerTestCase):

    def test_user_add_with_password_on_stdin(self):
        r = self.server.cli("user", "add", "rita", "--email", "rita@example.com", "--display-name", "Rita Ops",
                            "--role", "release_manager", "--role", "auditor", "--team", "sre",
                            stdin="rita-password-1\n")
        self.assertIn("added user rita", r.stdout)
        uid = user_id(self.server, "rita")
        roles = sorted(x[0] for x in self.server.sql("SELECT role FROM user_roles WHERE user_id=?", uid))
        self.assertEqual(roles, ["auditor", "release_manager"])
        self.assertIn("rita", members(self.server, "sre"))
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='user.add' AND object_id=?", uid)[0][0], 1)
        c = self.client()
        c.login("rita", "rita-password-1")
        self.assertIn("Rita Ops", c.get("/me").text)
        self.assertIn("rita", self.server.cli("user", "list").stdout)

    def test_user_add_refusals(self):
        r = self.server.cli("user", "add", "alice", "--email", "a2@example.com", "--display-name", "Dup",
                            stdin="long-enough-pw\n", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("taken", r.stderr)
        r = self.server.cli("user", "add", "shorty", "--email", "s@example.com", "--display-name", "Shorty",
                            stdin="short\n", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(user_id(self.server, "shorty"))
        r = self.server.cli("user", "add", "roleless", "--email", "r@example.com", "--display-name", "R",
                            "--role", "superuser", stdin="long-enough-pw\n", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(user_id(self.server, "roleless"))

    def test_user_passwd(self):
        add_user(self.server, "sven")
        self.server.cli("user", "passwd", "sven", stdin="sven-new-password\n")
        _, old = try_login(self.server, "sven", PASSWORD)
        self.assertEqual(old.status, 401)
        _, new = try_login(self.server, "sven", "sven-new-password")
        self.assertEqual(new.status, 303)

    def test_user_disable_and_enable(self):
        add_user(self.server, "tara")
        tara = self.login("tara")
        r = self.server.cli("user", "disable", "tara")
        self.assertIn("disabled", r.stdout)
        self.assertFalse(signed_in(tara))
        _, r = try_login(self.server, "tara", PASSWORD)
        self.assertEqual(r.status, 401)
        self.server.cli("user", "enable", "tara")
        _, r = try_login(self.server, "tara", PASSWORD)
        self.assertEqual(r.status, 303)
        self.assertNotEqual(self.server.cli("user", "disable", "no-such-user", check=False).returncode, 0)

    def test_team_add_and_members(self):
        add_user(self.server, "uma")
        self.server.cli("team", "add", "mobile", "--description", "Mobile apps")
        self.assertEqual(self.server.sql("SELECT description FROM teams WHERE name='mobile'")[0][0], "Mobile apps")
        self.assertNotEqual(self.server.cli("team", "add", "mobile", check=False).returncode, 0)
        self.server.cli("team", "member", "add", "mobile", "uma")
        self.assertEqual(members(self.server, "mobile"), ["uma"])
        self.assertIn("uma", self.server.cli("team", "list").stdout)
        self.server.cli("team", "member", "remove", "mobile", "uma")
        self.assertEqual(members(self.server, "mobile"), [])
        self.assertNotEqual(self.server.cli("team", "member", "add", "mobile", "nobody", check=False).returncode, 0)
        self.assertNotEqual(self.server.cli("team", "member", "add", "no-team", "uma", check=False).returncode, 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
