"""test_access.py — the authorisation matrix: every route x every role x session, token, nobody.

The routes come from the server itself (`holdpoint routes`, the table the router enforces); the
expected answers come from cgi-src/web/routes.access, written down separately.  Every route is
called through nginx with an id that names nothing (999999), so an allowed call reaches its
handler and ends in 404, 422, 409, 303 or 200, while a refused one ends in the router's 401,
403 or redirect to the sign-in page.  Object-level rules (who may see a release's evidence, who
may act on an activity) have tests of their own.
"""
import os
import subprocess
import unittest

import harness
from harness import ServerTestCase

ID = "999999"
# person -> role (the demo's people)
PEOPLE = {"admin": "admin", "alice": "release_manager", "bob": "qa", "carol": "approver", "erin": "auditor"}


def load_expectations():
    table = {}
    path = os.path.join(harness.ROOT, "cgi-src", "web", "routes.access")
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            method, pattern, who = parts[0], parts[1], parts[2]
            roles = set(parts[3].split(",")) if len(parts) > 3 else None
            table[(method, pattern)] = (who, roles)
    return table


class AccessMatrixTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sessions = {p: cls.server.client() for p in PEOPLE}
        for p, c in cls.sessions.items():
            c.login(p)
        cls.tokens = {p: cls.server.cli("token", "create", "--user", p, "--name", "access").stdout.strip()
                      for p in PEOPLE}

    def routes(self):
        r = subprocess.run([harness.HOLDPOINT, "routes"], env=self.server.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = []
        for line in r.stdout.splitlines():
            method, pattern, access, roles = line.split("\t")
            out.append((method, pattern, access, None if roles == "-" else set(roles.split(","))))
        return out

    def call(self, client, method, path):
        if method == "GET":
            return client.get(path)
        if path.startswith("/api/"):
            return client.request("POST", path, json_body={})
        return client.post(path, {})

    @staticmethod
    def refused(r):
        """The router's refusals: 401, 403, or a browser sent to the sign-in page."""
        return r.status in (401, 403) or (r.status == 303 and (r.header("Location") or "").startswith("/login"))

    def test_01_the_table_names_every_route_and_says_what_the_router_enforces(self):
        expected = load_expectations()
        served = {(m, p): (a, roles) for m, p, a, roles in self.routes()}
        self.assertEqual(sorted(set(served) - set(expected)), [], "routes without a line in routes.access")
        self.assertEqual(sorted(set(expected) - set(served)), [], "lines in routes.access without a route")
        for key, (who, roles) in expected.items():
            access, served_roles = served[key]
            with self.subTest(route=key):
                self.assertEqual(who.split("/")[0], access)
                self.assertEqual(roles, served_roles)

    def test_02_every_route_every_role_every_credential(self):
        expected = load_expectations()
        anon = self.server.client()
        checked = 0
        for (method, pattern), (who, roles) in sorted(expected.items()):
            path = pattern.replace("{id}", ID)
            # POST /logout ends the session it is sent with: done last, below
            if (method, pattern) == ("POST", "/logout"):
                continue
            for person, role in [(None, None)] + list(PEOPLE.items()):
                for kind in (("nobody",) if person is None else ("session", "token")):
                    client = anon if person is None else (
                        self.sessions[person] if kind == "session" else self.server.client(token=self.tokens[person]))
                    r = self.call(client, method, path)
                    checked += 1
                    label = "%s %s as %s" % (method, pattern, person and "%s's %s" % (person, kind) or "nobody")
                    with self.subTest(call=label):
                        self.assertLess(r.status, 500, r.text[:300])
                        if who == "public":
                            self.assertNotEqual(r.status, 403, r.text[:300])
                            self.assertNotEqual(r.status, 401, r.text[:300])
                        elif who == "public/signed":
                            self.assertEqual(r.status, 401)      # no Slack signature
                        elif who == "session":
                            allowed = kind == "session" and (roles is None or role in roles)
                            if allowed:
                                self.assertFalse(self.refused(r), "%d %s" % (r.status, r.text[:300]))
                            else:
                                self.assertTrue(self.refused(r), "%d %s" % (r.status, r.text[:300]))
                                if kind == "session":
                                    self.assertEqual(r.status, 403)
                                    self.assertIn("Not allowed", r.text)
                                elif method == "GET":
                                    self.assertEqual(r.status, 303)
                        elif who == "token":
                            allowed = kind == "token" and (roles is None or role in roles)
                            if allowed:
                                self.assertNotIn(r.status, (401, 403), r.text[:300])
                            elif kind == "token":
                                self.assertEqual(r.status, 403, r.text[:300])
                                self.assertEqual(r.json()["error"]["code"], "forbidden")
                            else:
                                self.assertEqual(r.status, 401, r.text[:300])
                                self.assertEqual(r.json()["error"]["code"], "unauthorized")
                        else:
                            self.fail("unknown WHO %r in routes.access" % who)
        self.assertGreater(checked, 700)
        # POST /logout: a session may sign out (303 to /login, and the session is over); nobody may not
        r = anon.post("/logout", {})
        self.assertTrue(self.refused(r))
        for person in PEOPLE:
            c = self.sessions[person]
            r = c.post("/logout")
            self.assertEqual((r.status, r.header("Location")), (303, "/login"))
            self.assertEqual(c.get("/me").status, 303)


if __name__ == "__main__":
    unittest.main()
