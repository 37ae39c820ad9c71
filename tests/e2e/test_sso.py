"""test_sso.py — company sign-in through nginx, against real providers started on 127.0.0.1:
Debian's slapd (LDAP with StartTLS), the npm oidc-provider (a certified OpenID provider), and a
provider of our own that hands out bad ID tokens.  Also two-step sign-in and "SSO only".

Accounts are made at the first sign-in, groups give teams and roles through the group map, a person
who leaves a group loses their open approvals at once, the directory sync disables people who are
gone, a signature by a federated person is a fresh sign-in at the provider, and every bad answer
(forged, expired or foreign token, wrong state or nonce, unknown key, LDAP injection, a directory
that does not answer) gets a clear error and records nothing but the failed attempt.
"""
import base64
import hashlib
import hmac
import os
import re
import struct
import time
import unittest
import urllib.parse

from harness import Server, poll
from idp import Browser, FakeOidc, NodeOidc, Slapd

TEAM_GATE = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: {name}
description: One approval by the approvers team.
phases:
  - name: prod
    activities:
      - name: gate
        type: approval
        approvers:
          rules: [{{team: approvers, min: 1}}]
{signature}"""

SIGNED = "        signature: {required: true, meaning: Approved for production}\n"


def start_server(env, map_lines=None, server=None):
    """A Holdpoint whose base URL is its nginx address (the provider's redirect URI), with a group map file."""
    s = server or Server()
    s.env["HOLDPOINT_BASE_URL"] = s.url("").rstrip("/")
    if map_lines is not None:
        path = os.path.join(s.data, "group-map")
        with open(path, "w") as f:
            f.write("# groups of the company's directory -> Holdpoint\n" + "\n".join(map_lines) + "\n")
        s.env["HOLDPOINT_GROUP_MAP_FILE"] = path
    s.env.update(env)
    return s.start()


def import_templates(s):
    # a template's team must have a member when it is imported: dave (local) is one before anyone signs in
    s.cli("team", "member", "add", "approvers", "dave")
    for name, sig in (("team-gate", ""), ("signed-gate", SIGNED)):
        path = os.path.join(s.data, name + ".yaml")
        with open(path, "w") as f:
            f.write(TEAM_GATE.format(name=name, signature=sig))
        s.cli("template", "import", path)


def start_release(s, template, name):
    """alice (a release manager of the demo data) starts a release: the id of its gate activity."""
    r = s.client(token=s.demo_token()).request("POST", "/api/v1/releases", json_body={
        "template": template, "name": name, "version": "1.0", "variables": {}})
    assert r.status == 201, r.text[:500]
    rid = r.json()["id"]
    return s.sql("SELECT id FROM activities WHERE release_id=? AND name='gate'", rid)[0][0]


def counts(s):
    return s.sql("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM sessions),"
                 " (SELECT count(*) FROM decisions)")[0]


def teams_of(s, username):
    return sorted(r[0] for r in s.sql("SELECT t.name FROM team_members m JOIN teams t ON t.id=m.team_id"
                                      " JOIN users u ON u.id=m.user_id WHERE u.username=?", username))


def roles_of(s, username):
    return sorted(r[0] for r in s.sql("SELECT role FROM user_roles r JOIN users u ON u.id=r.user_id WHERE u.username=?",
                                      username))


def audit_actions(s, action):
    return s.sql("SELECT details_json FROM audit_log WHERE action=? ORDER BY seq", action)


class LdapTest(unittest.TestCase):
    """slapd with StartTLS, a search account, people and groups (memberOf)."""

    @classmethod
    def setUpClass(cls):
        # class cleanups run even when setUpClass fails half-way (tearDownClass would not)
        cls.ldap = Slapd().start()
        cls.addClassCleanup(cls.ldap.stop)
        cls.ldap.add_person("lena", "Lena Lindqvist", "lena@example.com", "lena-directory-pw")
        cls.ldap.add_person("omar", "Omar Haddad", "omar@example.com", "omar-directory-pw")
        cls.ldap.add_person("gus", "Gus Grant", "gus@example.com", "gus-directory-pw")
        cls.ldap.add_group("release-approvers", ["lena", "gus"])
        cls.ldap.add_group("auditors", ["omar"])
        cls.server = start_server(dict(cls.ldap.env(), HOLDPOINT_LDAP_SYNC_S="60"), [
            "release-approvers team:approvers",
            "release-approvers role:approver",
            '"cn=auditors,ou=groups,dc=example,dc=com" role:auditor'])
        cls.addClassCleanup(cls.server.stop)
        import_templates(cls.server)

    def login(self, username, password):
        c = self.server.client()
        c.get("/login")
        return c, c.post("/login", {"username": username, "password": password, "next": "/"})

    def test_01_first_sign_in_makes_the_account_with_the_groups_teams_and_roles(self):
        s = self.server
        page = s.client().get("/login")
        self.assertIn("your company account, or a Holdpoint account", page.text)
        c, r = self.login("lena", "lena-directory-pw")
        self.assertEqual(r.status, 303, r.text[:500])
        row = s.sql("SELECT auth_source, external_id, display_name, email, password_hash FROM users WHERE username='lena'")[0]
        self.assertEqual(row[:4], ("ldap", "uid=lena,ou=people,dc=example,dc=com", "Lena Lindqvist", "lena@example.com"))
        self.assertEqual(row[4], "!")                      # no password of ours: the directory's is checked
        self.assertEqual(teams_of(s, "lena"), ["approvers"])
        self.assertEqual(roles_of(s, "lena"), ["approver"])
        self.assertIn("Lena Lindqvist", c.get("/me").text)
        logins = [d for (d,) in audit_actions(s, "auth.login") if '"ldap"' in d]
        self.assertTrue(logins)
        tid = s.sql("SELECT id FROM teams WHERE name='approvers'")[0][0]
        self.assertTrue(s.sql("SELECT count(*) FROM audit_log WHERE action='team.member_add' AND object_id=?"
                              " AND details_json LIKE '%group map%'", tid)[0][0])
        # the DN line of the map: omar's group gives the auditor role
        c2, r = self.login("omar", "omar-directory-pw")
        self.assertEqual(r.status, 303)
        self.assertEqual(roles_of(s, "omar"), ["auditor"])
        self.assertEqual(c2.get("/audit").status, 200)
        self.assertEqual(s.sql("SELECT count(*) FROM group_map WHERE source='file'")[0][0], 3)
        # and the local accounts of the demo still sign in with their own passwords
        self.assertEqual(s.client().login("alice").status, 303)

    def test_02_wrong_password_and_injection_are_refused_and_record_nothing(self):
        s = self.server
        before = counts(s)
        for name, pw in (("gus", "wrong"), ("*)(uid=*", "gus-directory-pw"), ("*", "gus-directory-pw"),
                         ("gus)(|(uid=*", "gus-directory-pw"), ("nobody", "x")):
            c, r = self.login(name, pw)
            self.assertEqual(r.status, 401, (name, r.text[:300]))
            self.assertIn("That username and password do not match.", r.text)
        self.assertEqual(counts(s), before)
        self.assertEqual(s.sql("SELECT count(*) FROM users WHERE username='gus'")[0][0], 0)
        self.assertFalse(any("*" in u for (u,) in s.sql("SELECT username FROM users")))

    def test_03_a_directory_that_does_not_answer_gets_a_clear_503(self):
        s = self.server
        before = counts(s)
        self.ldap.pause()
        try:
            c, r = self.login("gus", "gus-directory-pw")
        finally:
            self.ldap.resume()
        self.assertEqual(r.status, 503, r.text[:300])
        self.assertIn("The company directory (%s) did not answer: " % self.ldap.url, r.text)
        self.assertEqual(counts(s), before)
        c, r = self.login("gus", "gus-directory-pw")         # back: it works again
        self.assertEqual(r.status, 303, r.text[:300])

    def test_04_leaving_the_group_takes_the_open_approval_away_at_once(self):
        s = self.server
        aid = start_release(s, "team-gate", "ldap-revoke")
        lena, r = self.login("lena", "lena-directory-pw")
        self.assertEqual(r.status, 303)
        page = lena.get("/activities/%d" % aid)
        self.assertIn("This activity requires your input", page.text)
        # the directory says she left; the sync (here run by the operator) applies it
        self.ldap.remove_member("release-approvers", "lena")
        out = s.cli("directory-sync").stdout
        self.assertIn("looked up", out)
        self.assertEqual(teams_of(s, "lena"), [])
        self.assertEqual(roles_of(s, "lena"), [])
        r = lena.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "ok"})
        self.assertEqual(r.status, 403, r.text[:300])
        self.assertEqual(s.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 0)
        removed = [d for (d,) in audit_actions(s, "team.member_remove") if "group map" in d]
        self.assertTrue(removed, audit_actions(s, "team.member_remove"))
        # back in the group: the next sign-in gives the team again, and she approves the next release
        # (who may approve an activity is fixed when it goes on hold: the one she lost stays lost)
        self.ldap.add_member("release-approvers", "lena")
        lena, r = self.login("lena", "lena-directory-pw")
        self.assertEqual(teams_of(s, "lena"), ["approvers"])
        aid2 = start_release(s, "team-gate", "ldap-revoke-2")
        lena.get("/activities/%d" % aid2)
        r = lena.post("/activities/%d/decision" % aid2, {"decision": "approve", "comment": "ok"})
        self.assertEqual(r.status, 303, r.text[:500])

    def test_05_the_job_runner_syncs_and_disables_people_the_directory_no_longer_has(self):
        s = self.server
        gus, r = self.login("gus", "gus-directory-pw")
        self.assertEqual(r.status, 303)
        self.ldap.delete_person("gus")
        s.advance_clock(120)                   # past HOLDPOINT_LDAP_SYNC_S: the next round looks everyone up
        poll(lambda: s.sql("SELECT disabled FROM users WHERE username='gus'")[0][0] == 1, timeout=30,
             what="gus disabled by the directory sync")
        r = gus.get("/me")
        self.assertEqual(r.status, 303)         # the session ended with the account
        self.assertTrue(audit_actions(s, "user.disable") or audit_actions(s, "user.disabled"))

    def test_06_a_signature_by_a_directory_person_is_their_directory_password(self):
        s = self.server
        aid = start_release(s, "signed-gate", "ldap-signed")
        lena, r = self.login("lena", "lena-directory-pw")
        page = lena.get("/activities/%d" % aid)
        self.assertIn("Your company password", page.text)
        r = lena.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "", "password": "nope"})
        self.assertEqual(r.status, 403)
        self.assertEqual(s.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 0)
        r = lena.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "", "password": "lena-directory-pw"})
        self.assertEqual(r.status, 303, r.text[:500])
        self.assertEqual(s.sql("SELECT signed, signature_method FROM decisions WHERE activity_id=?", aid), [(1, "ldap")])


    def test_07_the_group_map_page(self):
        s = self.server
        admin = s.client()
        admin.login("admin")
        page = admin.get("/admin/groups")
        self.assertEqual(page.status, 200)
        self.assertIn("from the file", page.text)                       # file lines: changed in the file
        self.assertIn("cn=release-approvers,ou=groups,dc=example,dc=com", page.text)   # seen at sign-ins
        r = admin.post("/admin/groups", {"group": "sre-oncall", "kind": "team", "target": "no-such-team"})
        self.assertEqual(r.status, 422)
        self.assertIn("There is no team", r.text)
        r = admin.post("/admin/groups", {"group": "", "kind": "role", "target": "qa"})
        self.assertEqual(r.status, 422)
        r = admin.post("/admin/groups", {"group": "release-approvers", "kind": "team", "target": "approvers"})
        self.assertEqual(r.status, 409)                                # the file has it already
        r = admin.post("/admin/groups", {"group": "qa-leads", "kind": "role", "target": "qa"})
        self.assertEqual(r.status, 303, r.text[:300])
        # a new line applies at once to the people who brought that group at their last sign-in
        self.assertNotIn("qa", roles_of(s, "lena"))
        r = admin.post("/admin/groups", {"group": "Release-Approvers", "kind": "role", "target": "qa"})
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertIn("qa", roles_of(s, "lena"))
        rid = s.sql("SELECT id FROM group_map WHERE grp='release-approvers' AND target='qa'")[0][0]
        self.assertEqual(admin.post("/admin/groups/%d/remove" % rid, {}).status, 303)
        self.assertNotIn("qa", roles_of(s, "lena"))
        mid = s.sql("SELECT id FROM group_map WHERE grp='qa-leads'")[0][0]
        fid = s.sql("SELECT id FROM group_map WHERE source='file' LIMIT 1")[0][0]
        self.assertEqual(admin.post("/admin/groups/%d/remove" % fid, {}).status, 404)
        self.assertEqual(admin.post("/admin/groups/%d/remove" % mid, {}).status, 303)
        self.assertEqual(s.sql("SELECT count(*) FROM group_map WHERE grp='qa-leads'")[0][0], 0)
        self.assertEqual(len(audit_actions(s, "group_map.add")) - len(audit_actions(s, "group_map.remove")),
                         s.sql("SELECT count(*) FROM group_map")[0][0])
        self.assertIn("LDAP", admin.get("/admin").text)


class LdapUntrustedTest(unittest.TestCase):
    """A directory whose certificate is not signed by the CA Holdpoint was given: no password is sent to it."""

    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile
        from idp import make_tls
        cls.ldap = Slapd().start()
        cls.addClassCleanup(cls.ldap.stop)
        cls.other = tempfile.mkdtemp(prefix="holdpoint-otherca-")
        cls.addClassCleanup(shutil.rmtree, cls.other, True)
        cls.ldap.add_person("lena", "Lena Lindqvist", "lena@example.com", "lena-directory-pw")
        other_ca = make_tls(cls.other)[0]
        cls.server = start_server(dict(cls.ldap.env(), HOLDPOINT_LDAP_CA_FILE=other_ca))
        cls.addClassCleanup(cls.server.stop)

    def test_an_untrusted_certificate_is_refused(self):
        s = self.server
        before = counts(s)
        c = s.client()
        c.get("/login")
        r = c.post("/login", {"username": "lena", "password": "lena-directory-pw", "next": "/"})
        self.assertEqual(r.status, 503, r.text[:300])
        self.assertIn("its certificate could not be verified", r.text)
        self.assertEqual(counts(s), before)
        self.assertEqual(s.client().login("alice").status, 303)          # local accounts are not affected


class OidcTest(unittest.TestCase):
    """The npm oidc-provider: discovery, code flow with PKCE, groups in the ID token, prompt=login for signatures."""

    @classmethod
    def setUpClass(cls):
        server = Server()                   # its port makes the redirect URI the provider is told about
        cls.idp = NodeOidc(server.url("/login/oidc/callback")).start()
        cls.addClassCleanup(cls.idp.stop)
        cls.idp.set_account("u-ana", "Ana.Sso", "ana@example.com", "Ana Sso", ["release-approvers"])
        cls.idp.set_account("u-ben", "ben", "ben@example.com", "Ben Sso", ["developers"])
        cls.idp.set_account("u-alice", "alice", "alice@example.com", "Alice Impostor", [])
        cls.addClassCleanup(server.stop)
        cls.server = start_server(cls.idp.env(), ["release-approvers team:approvers", "release-approvers role:approver"],
                                  server)
        import_templates(cls.server)

    def sign_in(self, sub, client=None):
        c = client or self.server.client()
        b = Browser(c)
        url, status, headers, body = self.idp.sign_in(b, self.server.url("/login/oidc?next=/releases"), sub)
        return c, b, url, status, body

    def test_01_sign_in_with_the_provider(self):
        s = self.server
        page = s.client().get("/login")
        self.assertIn("Sign in with Example SSO", page.text)
        c, b, url, status, body = self.sign_in("u-ana")
        self.assertEqual(status, 200, body[:500])
        self.assertIn("/login/oidc/callback", url)
        # the page that carries the new SameSite=Strict cookie on to where the person was going
        self.assertIn('http-equiv="refresh" content="0;url=/releases"', body)
        self.assertEqual(c.get("/releases").status, 200)
        row = s.sql("SELECT username, auth_source, external_id, email FROM users WHERE external_id LIKE '% u-ana'")[0]
        self.assertEqual(row, ("ana.sso", "oidc", self.idp.issuer + " u-ana", "ana@example.com"))
        self.assertEqual(teams_of(s, "ana.sso"), ["approvers"])
        self.assertEqual(roles_of(s, "ana.sso"), ["approver"])
        self.assertEqual(s.sql("SELECT auth_method FROM sessions s JOIN users u ON u.id=s.user_id"
                               " WHERE u.username='ana.sso'"), [("oidc",)])
        # a second sign-in finds the same account
        self.sign_in("u-ana")
        self.assertEqual(s.sql("SELECT count(*) FROM users WHERE external_id LIKE '% u-ana'")[0][0], 1)

    def test_02_a_provider_name_that_is_a_local_account_is_refused(self):
        s = self.server
        before = counts(s)
        c, b, url, status, body = self.sign_in("u-alice")
        self.assertEqual(status, 400, body[:500])
        self.assertIn("alice", body)
        self.assertEqual(counts(s), before)
        self.assertEqual(s.sql("SELECT auth_source FROM users WHERE username='alice'"), [("local",)])

    def test_03_state_is_single_use_and_bound_to_the_browser(self):
        s = self.server
        before = counts(s)
        # a made-up state
        c = s.client()
        r = c.get("/login/oidc/callback?code=abc&state=" + "0" * 64)
        self.assertEqual(r.status, 400)
        self.assertIn("not started in this browser", r.text)
        # no state at all
        r = c.get("/login/oidc/callback?code=abc")
        self.assertEqual(r.status, 400)
        # a real round trip replayed: the first use signs in, the replay is refused
        c, b, url, status, body = self.sign_in("u-ben")
        self.assertEqual(status, 200)
        path = urllib.parse.urlsplit(url)
        again = s.client()
        again.cookies.update({k: v for k, v in c.cookies.items() if k == "hp_oidc"})
        r = again.get(path.path + "?" + path.query)
        self.assertEqual(r.status, 400, r.text[:300])
        # the person cancels at the provider: it sends an error back, which is said and recorded
        c2 = s.client()
        b2 = Browser(c2)
        url, status, headers, body = b2.get(s.url("/login/oidc"))
        self.assertTrue(url.startswith(self.idp.issuer))
        url, status, headers, body = b2.get(urllib.parse.urljoin(url, NodeOidc.form_action(body)) + "/abort")
        self.assertEqual(status, 400, body[:300])
        self.assertIn("did not sign you in", body)
        self.assertIn("access_denied", " ".join(d for (d,) in audit_actions(s, "auth.login_failed")))
        self.assertEqual(counts(s)[0], before[0] + 1)      # only ben's account was made

    def test_04_leaving_the_group_at_the_provider_loses_the_approval_at_the_next_sign_in(self):
        s = self.server
        self.idp.set_account("u-cleo", "cleo", "cleo@example.com", "Cleo Sso", ["release-approvers"])
        c, b, url, status, body = self.sign_in("u-cleo")
        aid = start_release(s, "team-gate", "oidc-revoke")
        self.assertIn("This activity requires your input", c.get("/activities/%d" % aid).text)
        self.idp.set_account("u-cleo", "cleo", "cleo@example.com", "Cleo Sso", ["developers"])
        other = s.client()
        self.sign_in("u-cleo", other)                       # signs in again elsewhere: groups re-read
        self.assertEqual(teams_of(s, "cleo"), [])
        r = c.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": "ok"})
        self.assertEqual(r.status, 403, r.text[:300])
        self.assertEqual(s.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 0)

    def test_05_a_signature_is_a_fresh_sign_in_at_the_provider(self):
        s = self.server
        aid = start_release(s, "signed-gate", "oidc-signed")
        c, b, url, status, body = self.sign_in("u-ana")
        page = c.get("/activities/%d" % aid)
        self.assertIn("Confirm with Example SSO", page.text)
        self.assertNotIn('type="password"', page.text)
        r = c.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": ""})
        self.assertEqual(r.status, 422, r.text[:300])
        self.assertIn("Confirm who you are with Example SSO first", r.text)
        self.assertEqual(s.sql("SELECT count(*) FROM decisions WHERE activity_id=?", aid)[0][0], 0)
        # the provider is asked to check the person again (prompt=login, max_age=0)
        url, status, headers, body = b.get(s.url("/activities/%d/reauth" % aid))
        self.assertTrue(url.startswith(self.idp.issuer), url)
        self.assertIn('name="login"', body)                  # a login form although she has a session there
        action = urllib.parse.urljoin(url, NodeOidc.form_action(body))
        url, status, headers, body = b.post_form(action, {"prompt": "login", "login": "u-ana", "password": "x"})
        for _ in range(3):
            if not url.startswith(self.idp.issuer):
                break
            action = urllib.parse.urljoin(url, NodeOidc.form_action(body))
            url, status, headers, body = b.post_form(action, {"prompt": "consent"})
        self.assertEqual(status, 200, body[:500])
        self.assertIn("You confirmed who you are", body)
        page = c.get("/activities/%d" % aid)
        self.assertIn("Confirmed", page.text)
        r = c.post("/activities/%d/decision" % aid, {"decision": "approve", "comment": ""})
        self.assertEqual(r.status, 303, r.text[:500])
        self.assertEqual(s.sql("SELECT signed, signature_method FROM decisions WHERE activity_id=?", aid), [(1, "oidc")])
        self.assertTrue([d for (d,) in audit_actions(s, "auth.reauthenticated") if "oidc" in d])
        api = s.client(token=s.demo_token()).get("/api/v1/activities/%d" % aid).json()
        self.assertEqual([v["signature_method"] for v in api["votes"]], ["oidc"], api)
        self.assertIn("signed in again at the identity provider", c.get("/activities/%d" % aid).text)


class OidcRefusalTest(unittest.TestCase):
    """A provider of our own whose ID tokens the test spoils, one way each time."""

    @classmethod
    def setUpClass(cls):
        cls.idp = FakeOidc().start()
        cls.addClassCleanup(cls.idp.stop)
        cls.server = start_server(cls.idp.env(), ["release-approvers team:approvers"])
        cls.addClassCleanup(cls.server.stop)
        cls.idp.clock_file = cls.server.env["HOLDPOINT_CLOCK_FILE"]

    def tearDown(self):
        self.idp.tamper = None

    def attempt(self):
        c = self.server.client()
        url, status, headers, body = Browser(c).get(self.server.url("/login/oidc"))
        return c, status, body

    def refused(self, tamper, words):
        s = self.server
        self.idp.tamper = tamper
        before = counts(s)
        failed = len(audit_actions(s, "auth.login_failed"))
        c, status, body = self.attempt()
        self.assertEqual(status, 400, body[:500])
        self.assertIn(words, body)
        self.assertIn("Nothing was recorded", body)
        self.assertEqual(counts(s), before)
        self.assertEqual(len(audit_actions(s, "auth.login_failed")), failed + 1)
        self.assertEqual(c.get("/me").status, 303)           # not signed in

    def test_01_a_good_token_signs_in(self):
        c, status, body = self.attempt()
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(self.server.sql("SELECT username, auth_source FROM users WHERE username='fana'"), [("fana", "oidc")])
        self.assertEqual(teams_of(self.server, "fana"), ["approvers"])

    def test_02_a_forged_token(self):
        self.refused(lambda c, h, k: (c, dict(h, corrupt=True), k), "signature does not verify")

    def test_03_a_token_signed_by_a_key_the_provider_does_not_publish(self):
        fetches = self.idp.jwks_fetches
        self.refused(lambda c, h, k: (c, dict(h, kid="stolen"), self.idp.other_key), "key the provider does not publish")
        self.assertLessEqual(self.idp.jwks_fetches - fetches, 1)       # asked once for new keys, no more

    def test_04_an_expired_token(self):
        self.refused(lambda c, h, k: (dict(c, exp=c["iat"] - 3600, iat=c["iat"] - 3700), h, k), "expired")

    def test_05_a_token_for_another_application(self):
        self.refused(lambda c, h, k: (dict(c, aud="another-app"), h, k), "another application")

    def test_06_a_token_with_another_nonce(self):
        self.refused(lambda c, h, k: (dict(c, nonce="not-this-sign-in"), h, k), "nonce")

    def test_07_a_token_from_another_issuer(self):
        self.refused(lambda c, h, k: (dict(c, iss="https://evil.example"), h, k), "another issuer")

    def test_08_a_token_with_a_symmetric_or_no_algorithm(self):
        self.refused(lambda c, h, k: (c, dict(h, alg="HS256"), k), "public-key algorithm")

    def test_09_several_audiences_need_azp(self):
        self.refused(lambda c, h, k: (dict(c, aud=["holdpoint", "other"]), h, k), "another party")

    def test_11_the_callback_in_another_browser_is_refused(self):
        s = self.server
        before = counts(s)
        mine = s.client()
        r = mine.get("/login/oidc")
        self.assertEqual(r.status, 303)
        auth = urllib.parse.urlsplit(r.header("Location"))
        conn = __import__("http.client").client.HTTPConnection("127.0.0.1", self.idp.port, timeout=10)
        conn.request("GET", auth.path + "?" + auth.query)
        callback = conn.getresponse().getheader("Location")
        conn.close()
        cb = urllib.parse.urlsplit(callback)
        other = s.client()                     # an attacker's browser, without this browser's hp_oidc cookie
        r = other.get(cb.path + "?" + cb.query)
        self.assertEqual(r.status, 400)
        self.assertIn("not started in this browser", r.text)
        r = mine.get(cb.path + "?" + cb.query)  # the round trip is spent: it does not work afterwards either
        self.assertEqual(r.status, 400)
        self.assertEqual(counts(s), before)

    def test_12_a_signature_needs_a_sign_in_after_it_was_asked_for(self):
        s = self.server
        c, status, body = self.attempt()                  # fana signs in
        self.assertEqual(status, 200, body[:300])
        b = Browser(c)
        seen = []
        def old_sign_in(claims, header, key):
            seen.append(dict(self.idp.last_authorize))
            return dict(claims, auth_time=claims["iat"] - 3600), header, key
        self.idp.tamper = old_sign_in
        url, status, headers, body = b.get(s.url("/activities/1/reauth"))
        self.assertEqual(status, 400, body[:300])
        self.assertIn("did not check who you are again", body)
        self.assertEqual((seen[0].get("prompt"), seen[0].get("max_age")), ("login", "0"))
        self.assertEqual(s.sql("SELECT count(*) FROM sessions WHERE reauth_method IS NOT NULL")[0][0], 0)
        # a sign-in just now is accepted
        self.idp.tamper = None
        url, status, headers, body = b.get(s.url("/activities/1/reauth"))
        self.assertEqual(status, 200, body[:300])
        self.assertIn("You confirmed who you are", body)
        self.assertEqual(s.sql("SELECT count(*) FROM sessions WHERE reauth_method='oidc'")[0][0], 1)

    def test_10_key_rotation_is_followed(self):
        s = self.server
        s.advance_clock(30)                    # past the 10 s between forced key fetches
        self.idp.published.append(("key-2", self.idp.other_key))
        self.idp.tamper = lambda c, h, k: (c, dict(h, kid="key-2"), self.idp.other_key)
        fetches = self.idp.jwks_fetches
        c, status, body = self.attempt()
        self.assertEqual(status, 200, body[:500])
        self.assertGreaterEqual(self.idp.jwks_fetches, fetches + 1)
        self.idp.published.pop()


def totp(secret_b32, at):
    key = base64.b32decode(secret_b32.replace(" ", "") + "=" * (-len(secret_b32.replace(" ", "")) % 8))
    h = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)


class TwoStepTest(unittest.TestCase):
    """Local accounts with an authenticator app; admins must have it (HOLDPOINT_TWO_STEP_ROLES=admin)."""

    @classmethod
    def setUpClass(cls):
        cls.server = start_server({"HOLDPOINT_TWO_STEP_ROLES": "admin"})
        cls.addClassCleanup(cls.server.stop)

    def now(self):
        off = 0
        path = self.server.env["HOLDPOINT_CLOCK_FILE"]
        if os.path.exists(path):
            with open(path) as f:
                off = int(f.read().strip() or 0) // 1000
        return time.time() + off

    def set_up(self, c):
        r = c.post("/me/two-step", {"action": "begin"})
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("<svg class=\"qr\"", r.text)
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', r.text).group(1).replace(" ", "")
        r = c.post("/me/two-step", {"action": "confirm", "code": "000000" if totp(secret, self.now()) != "000000" else "111111"})
        self.assertEqual(r.status, 422)
        self.assertIn("That code is not right", r.text)
        r = c.post("/me/two-step", {"action": "confirm", "code": totp(secret, self.now())})
        self.assertEqual(r.status, 200, r.text[:500])
        codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", r.text)
        self.assertEqual(len(codes), 10)
        return secret, codes

    def password_step(self, username):
        c = self.server.client()
        c.get("/login")
        r = c.post("/login", {"username": username, "password": "holdpoint-demo", "next": "/releases"})
        self.assertEqual(r.status, 303, r.text[:300])
        return c, r

    def test_01_an_admin_must_set_it_up_then_signs_in_with_a_code(self):
        s = self.server
        c = s.client()
        c.login("admin")
        for path in ("/releases", "/"):
            r = c.get(path)
            self.assertEqual(r.status, 303)
            self.assertEqual(r.header("Location"), "/me/two-step")
        self.assertEqual(c.post("/me/tokens", {"token_name": "x"}).status, 403)
        self.assertIn("Your role requires two-step sign-in", c.get("/me/two-step").text)
        secret, codes = self.set_up(c)
        self.assertEqual(c.get("/releases").status, 200)
        # turning it off is refused while the role requires it
        r = c.post("/me/two-step/disable", {"password": "holdpoint-demo"})
        self.assertEqual(r.status, 409)
        # a new sign-in: the password, then the code
        c2, r = self.password_step("admin")
        self.assertEqual(r.header("Location"), "/login/two-step")
        self.assertEqual(c2.get("/releases").status, 303)        # not signed in yet
        r = c2.post("/login/two-step", {"code": "123456" if totp(secret, self.now()) != "123456" else "654321"})
        self.assertEqual(r.status, 401)
        self.assertIn("That code is not right", r.text)
        s.advance_clock(31)                                      # the set-up's code is used; a new one now
        r = c2.post("/login/two-step", {"code": totp(secret, self.now())})
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(r.header("Location"), "/releases")
        self.assertEqual(c2.get("/releases").status, 200)
        # the same code again (a replay) does not sign anyone in
        c3, r = self.password_step("admin")
        r = c3.post("/login/two-step", {"code": totp(secret, self.now())})
        self.assertEqual(r.status, 401)
        # a recovery code works once
        r = c3.post("/login/two-step", {"code": codes[0].upper()})
        self.assertEqual(r.status, 303, r.text[:300])
        c4, r = self.password_step("admin")
        r = c4.post("/login/two-step", {"code": codes[0]})
        self.assertEqual(r.status, 401)
        self.assertTrue(audit_actions(s, "auth.recovery_code_used"))
        self.assertIn('id="codes-left">9<', c3.get("/me/two-step").text)
        # five wrong codes end the pending sign-in
        for i in range(4):
            r = c4.post("/login/two-step", {"code": "99999%d" % i})
        r = c4.post("/login/two-step", {"code": "999995"})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/login")

    def test_02_a_person_whose_role_does_not_require_it_may_turn_it_off(self):
        s = self.server
        c = s.client()
        c.login("bob")
        self.assertEqual(c.get("/releases").status, 200)          # not required for bob
        secret, codes = self.set_up(c)
        r = c.post("/me/two-step/disable", {"password": "wrong"})
        self.assertEqual(r.status, 422)
        self.assertEqual(s.sql("SELECT count(*) FROM totp t JOIN users u ON u.id=t.user_id WHERE u.username='bob'")[0][0], 1)
        r = c.post("/me/two-step/disable", {"password": "holdpoint-demo"})
        self.assertEqual(r.status, 303)
        c2 = s.client()
        self.assertEqual(c2.login("bob").header("Location"), "/")   # the password alone again


class RequireSsoTest(unittest.TestCase):
    """HOLDPOINT_REQUIRE_SSO=1: the provider only, but for the break-glass administrator."""

    @classmethod
    def setUpClass(cls):
        cls.idp = FakeOidc().start()
        cls.addClassCleanup(cls.idp.stop)
        cls.server = start_server(dict(cls.idp.env(), HOLDPOINT_REQUIRE_SSO="1", HOLDPOINT_BREAK_GLASS="admin"))
        cls.addClassCleanup(cls.server.stop)

    def test_passwords_only_for_the_break_glass_account(self):
        s = self.server
        page = s.client().get("/login")
        self.assertIn("Sign in with Fake SSO", page.text)
        self.assertIn("Emergency administrator sign-in", page.text)
        c = s.client()
        c.get("/login")
        r = c.post("/login", {"username": "alice", "password": "holdpoint-demo", "next": "/"})
        self.assertEqual(r.status, 400)
        self.assertIn("signs people in with Fake SSO only", r.text)
        self.assertEqual(s.client().login("admin").status, 303)
        c = s.client()
        url, status, headers, body = Browser(c).get(s.url("/login/oidc"))
        self.assertEqual(status, 200, body[:300])


if __name__ == "__main__":
    unittest.main()


class PasswordResetTest(unittest.TestCase):
    """"Forgot your password?": a single-use link by e-mail (the demo's file channel writes <data>/mail/*.eml)."""

    @classmethod
    def setUpClass(cls):
        cls.server = start_server({})
        cls.addClassCleanup(cls.server.stop)

    def mails_to(self, address):
        d = os.path.join(self.server.data, "mail")
        out = []
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.startswith("."):            # a message still being written (.tmp-…, renamed when complete)
                continue
            with open(os.path.join(d, name), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            if "Reset your Holdpoint password" in text and address in text:
                out.append(text)
        return out

    def ask(self, who):
        c = self.server.client()
        c.get("/login/reset")
        r = c.post("/login/reset", {"who": who})
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("a link to choose a new\n     password is on its way", r.text)
        return r

    def test_a_link_by_e_mail_works_once_and_expires(self):
        s = self.server
        self.assertIn('href="/login/reset"', s.client().get("/login").text)
        email = s.sql("SELECT email FROM users WHERE username='erin'")[0][0]
        self.ask("erin")
        mails = poll(lambda: self.mails_to(email), timeout=30, what="the reset e-mail")
        text = mails[-1].replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
        token = re.search(r"/login/reset/new\?token=([0-9a-f]{64})", text).group(1)
        # the same answer for a name that is no account, and nothing is sent
        before = s.sql("SELECT count(*) FROM outbox WHERE event='account'")[0][0]
        self.ask("no-such-person")
        self.assertEqual(s.sql("SELECT count(*) FROM outbox WHERE event='account'")[0][0], before)
        self.assertEqual(s.sql("SELECT count(*) FROM password_resets r JOIN users u ON u.id=r.user_id"
                               " WHERE u.username='erin'")[0][0], 1)
        # erin has a session; the reset ends it
        old = s.client()
        old.login("erin")
        c = s.client()
        r = c.get("/login/reset/new?token=" + token)
        self.assertEqual(r.status, 200)
        self.assertIn("Choose a new password", r.text)
        r = c.post("/login/reset/new", {"token": token, "new_password": "short", "new_password2": "short"})
        self.assertEqual(r.status, 422)
        r = c.post("/login/reset/new", {"token": token, "new_password": "a-new-password-1", "new_password2": "other-password-1"})
        self.assertEqual(r.status, 422)
        self.assertIn("not the same", r.text)
        r = c.post("/login/reset/new", {"token": token, "new_password": "a-new-password-1", "new_password2": "a-new-password-1"})
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(old.get("/me").status, 303)           # signed out everywhere
        self.assertEqual(s.client().login("erin", "a-new-password-1").status, 303)
        # used once
        r = c.get("/login/reset/new?token=" + token)
        self.assertEqual(r.status, 404)
        r = c.post("/login/reset/new", {"token": token, "new_password": "another-password-2", "new_password2": "another-password-2"})
        self.assertEqual(r.status, 404)
        # a new link expires after 30 minutes
        self.ask("erin")
        mails = poll(lambda: len(self.mails_to(email)) >= 2 and self.mails_to(email), timeout=30, what="the second e-mail")
        text = mails[-1].replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
        token2 = re.search(r"/login/reset/new\?token=([0-9a-f]{64})", text).group(1)
        self.assertNotEqual(token, token2)
        s.advance_clock(31 * 60)
        self.assertEqual(s.client().get("/login/reset/new?token=" + token2).status, 404)
        self.assertTrue(audit_actions(s, "auth.reset_used"))
