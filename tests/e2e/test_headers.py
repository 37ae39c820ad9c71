"""test_headers.py — the security headers of every kind of response, over HTTP and HTTPS.

One table of response kinds (a page, an application error, a redirect, an evidence
download, a static file, nginx's own error pages), fetched from a plain-HTTP server and from
a HOLDPOINT_TLS=1 server; both sites come from the one nginx/site.conf.in, so a header
added to one scheme and forgotten on the other fails here.  Under TLS, plain HTTP only
answers health checks and redirects the rest.
"""
import unittest

import harness
from harness import Server, poll
from test_evidence import make_pdf, multipart

PAGE_CSP = "frame-ancestors 'none'"
SANDBOX_CSP = "sandbox"


class HeadersMixin:
    tls = False

    @classmethod
    def setUpClass(cls):
        env = {"HOLDPOINT_NGINX_MAX_BODY": "1m"}
        if cls.tls:
            env["HOLDPOINT_TLS"] = "1"
        cls.server = Server(env=env).start()
        try:
            cls.evidence_id = cls.make_evidence()
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    @classmethod
    def client(cls, token=None):
        return cls.server.client(token=token, tls=cls.tls)

    @classmethod
    def make_evidence(cls):
        """A delivery release at QA sign-off, and a PDF that bob uploads to it: its id."""
        api = cls.client(token=cls.server.demo_token())
        r = api.request("POST", "/api/v1/releases", json_body={
            "template": "delivery", "name": "headers", "version": "1.0.0",
            "variables": {"image": "registry/headers", "version": "1.0.0"}})
        assert r.status == 201, r.text
        acts = {a["name"]: a["id"] for p in r.json()["phases"] for a in p["activities"]}
        r = api.request("POST", "/api/v1/activities/%d/result" % acts["deploy-qa"], json_body={"result": "pass"})
        assert r.status == 200, r.text
        poll(lambda: cls.server.sql("SELECT status FROM activities WHERE id=?", acts["qa-signoff"])[0][0] == "on_hold",
             what="qa-signoff on hold")
        bob = cls.client()
        bob.login("bob")
        bob.get("/activities/%d" % acts["qa-signoff"])
        body, ctype = multipart([("csrf", None, bob.csrf.encode()), ("field", None, b"report"),
                                 ("file", "report.pdf", make_pdf())])
        r = bob.request("POST", "/activities/%d/evidence" % acts["qa-signoff"], body=body,
                        headers={"Content-Type": ctype})
        assert r.status == 303, r.text[:500]
        cls.bob = bob
        return cls.server.sql("SELECT max(id) FROM evidence")[0][0]

    def too_large(self):
        """Announce a body over nginx's limit (1m here) without sending it: nginx answers 413 itself."""
        import http.client
        import ssl
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", int(self.server.env["TLS_PORT"]), context=ctx, timeout=30)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.putrequest("POST", "/activities/1/evidence")
            conn.putheader("Content-Type", "multipart/form-data; boundary=x")
            conn.putheader("Content-Length", str(2 * 1024 * 1024))
            conn.endheaders()
            resp = conn.getresponse()
            return harness.Response(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def kinds(self):
        """(kind, response, expected CSP fragment) for every kind of response."""
        anon = self.client()
        out = [
            ("page", anon.get("/login"), PAGE_CSP, 200),
            ("signed-in page", self.bob.get("/releases"), PAGE_CSP, 200),
            ("application 404", self.bob.get("/no-such-page"), PAGE_CSP, 404),
            ("application 403", self.bob.get("/admin"), PAGE_CSP, 403),
            ("redirect to sign-in", anon.get("/releases"), PAGE_CSP, 303),
            ("API error", anon.get("/api/v1/me"), PAGE_CSP, 401),
            ("evidence download", self.bob.get("/evidence/%d" % self.evidence_id), SANDBOX_CSP, 200),
            ("static file", anon.get("/static/css/holdpoint.css"), PAGE_CSP, 200),
            ("nginx 404 under /static/", anon.get("/static/no-such-file.css"), PAGE_CSP, 404),
            ("nginx 413", self.too_large(), PAGE_CSP, 413),
        ]
        return out

    def test_every_kind_of_response_carries_the_security_headers(self):
        for kind, r, csp, status in self.kinds():
            with self.subTest(kind=kind):
                self.assertEqual(r.status, status, r.text[:300])
                self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
                self.assertIn(csp, r.header("Content-Security-Policy") or "")
                self.assertTrue(r.header("Referrer-Policy"))
                hsts = r.header("Strict-Transport-Security")
                if self.tls:
                    self.assertRegex(hsts or "", r"max-age=\d{7,}")
                else:
                    self.assertIsNone(hsts)              # HSTS over plain HTTP means nothing
                self.assertIn(r.header("Server"), (None, "nginx"))     # no version, no product details
        download = self.bob.get("/evidence/%d" % self.evidence_id)
        self.assertEqual(download.header("X-Frame-Options"), "DENY")
        self.assertIn("attachment", download.header("Content-Disposition"))
        self.assertEqual(download.body[:5], b"%PDF-")


class HttpHeadersTest(HeadersMixin, unittest.TestCase):
    tls = False


class HttpsHeadersTest(HeadersMixin, unittest.TestCase):
    tls = True

    def test_plain_http_redirects_except_health_checks(self):
        plain = self.server.client()
        r = plain.get("/healthz")
        self.assertEqual((r.status, r.text), (200, "ok"))
        for path in ("/login", "/releases?older=5", "/api/v1/me"):
            r = plain.get(path)
            self.assertEqual(r.status, 301, path)
            self.assertEqual(r.header("Location"), "https://127.0.0.1:%s%s" % (self.server.env["TLS_PORT"], path))
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        # a password posted to plain HTTP never reaches the application: no session, no cookie
        r = plain.post("/login", {"username": "bob", "password": harness.PASSWORD}, with_csrf=False)
        self.assertEqual(r.status, 301)
        self.assertEqual(r.header_all("Set-Cookie"), [])
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='auth.login'"
                                         " AND ip='127.0.0.1' AND details_json LIKE '%http:%'")[0][0], 0)

    def test_cookies_are_secure_host_cookies(self):
        c = self.client()
        c.get("/login")
        r = c.post("/login", {"username": "carol", "password": harness.PASSWORD, "next": "/"})
        self.assertEqual(r.status, 303)
        cookies = r.header_all("Set-Cookie")
        self.assertTrue(cookies)
        for v in cookies:
            self.assertTrue(v.startswith("__Host-"), v)
            self.assertIn("Secure", v)
            self.assertIn("HttpOnly", v)


if __name__ == "__main__":
    unittest.main()
