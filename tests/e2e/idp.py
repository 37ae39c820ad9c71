"""Identity providers for the tests, started on 127.0.0.1 with fresh state and stopped at the end:
Debian's slapd (LDAP with StartTLS, people and groups), the npm "oidc-provider" (a certified OpenID
provider), and a small provider of our own that signs the ID tokens a test asks for (forged, expired,
for another audience, with an unknown key) to check that Holdpoint refuses them."""
import base64
import hashlib
import html
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

from harness import ROOT, free_port, poll

BASE_DN = "dc=example,dc=com"
ADMIN_DN = "cn=admin," + BASE_DN
ADMIN_PW = "directory-admin-secret-1"


def _openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_tls(dirname, cn="127.0.0.1"):
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, server.pem, server.key)."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Holdpoint test CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=dirname)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-keyout", "server.key",
             "-out", "server.csr", cwd=dirname)
    with open(os.path.join(dirname, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=dirname)
    os.chmod(os.path.join(dirname, "server.key"), 0o644)
    return [os.path.join(dirname, n) for n in ("ca.pem", "server.pem", "server.key")]


class Slapd:
    """slapd with a fresh mdb database: ou=people (inetOrgPerson) and ou=groups (groupOfNames, memberOf overlay)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="holdpoint-ldap-")
        self.port = free_port()
        self.url = "ldap://127.0.0.1:%d" % self.port
        self.proc = None
        self.ca, cert, key = make_tls(self.dir)
        os.mkdir(os.path.join(self.dir, "db"))
        self.search_pw_file = os.path.join(self.dir, "search-password")
        with open(self.search_pw_file, "w") as f:
            f.write(ADMIN_PW + "\n")
        conf = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {d}/slapd.pid
TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 67108864
suffix "{base}"
rootdn "{admin}"
rootpw {pw}
directory {d}/db
overlay memberof
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
""".format(d=self.dir, ca=self.ca, cert=cert, key=key, base=BASE_DN, admin=ADMIN_DN, pw=ADMIN_PW)
        self.conf = os.path.join(self.dir, "slapd.conf")
        with open(self.conf, "w") as f:
            f.write(conf)

    def env(self):
        """The Holdpoint settings for this directory (StartTLS, search account, memberOf)."""
        return {
            "HOLDPOINT_LDAP_URL": self.url, "HOLDPOINT_LDAP_CA_FILE": self.ca,
            "HOLDPOINT_LDAP_BIND_DN": ADMIN_DN, "HOLDPOINT_LDAP_BIND_PASSWORD_FILE": self.search_pw_file,
            "HOLDPOINT_LDAP_BASE": "ou=people," + BASE_DN, "HOLDPOINT_LDAP_TIMEOUT": "3",
        }

    def start(self):
        self.log = open(os.path.join(self.dir, "slapd.log"), "w")
        self.proc = subprocess.Popen(["/usr/sbin/slapd", "-f", self.conf, "-h", self.url + "/", "-d", "0"],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                with open(os.path.join(self.dir, "slapd.log")) as f:
                    raise AssertionError("slapd exited: " + f.read()[-2000:])
            return subprocess.run(["ldapsearch", "-x", "-H", self.url, "-b", "", "-s", "base"],
                                  capture_output=True).returncode == 0
        poll(up, timeout=30, what="slapd answering")
        self.ldif("""
dn: {b}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{b}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{b}
objectClass: organizationalUnit
ou: groups
""".format(b=BASE_DN))
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
        if os.environ.get("HOLDPOINT_KEEP_DATA") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def pause(self):
        """The directory stops answering (the process is stopped, its port still open): timeouts, not refusals."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.killpg(self.proc.pid, signal.SIGCONT)

    def ldif(self, text, modify=False):
        r = subprocess.run(["ldapmodify" if modify else "ldapadd", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PW],
                           input=text, capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("ldap change failed: %s %s" % (r.stdout, r.stderr))

    def person_dn(self, uid):
        return "uid=%s,ou=people,%s" % (uid, BASE_DN)

    def group_dn(self, cn):
        return "cn=%s,ou=groups,%s" % (cn, BASE_DN)

    def add_person(self, uid, name, mail, password):
        self.ldif("dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {sn}\nmail: {mail}\n"
                  "userPassword: {pw}\n".format(dn=self.person_dn(uid), uid=uid, name=name, sn=name.split()[-1],
                                                mail=mail, pw=password))

    def add_group(self, cn, members):
        lines = "".join("member: %s\n" % self.person_dn(m) for m in members)
        self.ldif("dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\n{m}".format(dn=self.group_dn(cn), cn=cn, m=lines))

    def remove_member(self, cn, uid):
        self.ldif("dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n" % (self.group_dn(cn), self.person_dn(uid)),
                  modify=True)

    def add_member(self, cn, uid):
        self.ldif("dn: %s\nchangetype: modify\nadd: member\nmember: %s\n" % (self.group_dn(cn), self.person_dn(uid)),
                  modify=True)

    def delete_person(self, uid):
        self.ldif("dn: %s\nchangetype: delete\n" % self.person_dn(uid), modify=True)


class Browser:
    """A cookie-keeping client that follows redirects across hosts (the provider's pages and Holdpoint's)."""

    def __init__(self, holdpoint_client):
        self.hp = holdpoint_client          # Holdpoint's own cookies live in the harness client
        self.cookies = {}                   # the provider's, by host:port

    def get(self, url, max_hops=12):
        """GET url and follow redirects; returns (final_url, status, headers, body)."""
        for _ in range(max_hops):
            status, headers, body = self._request("GET", url)
            loc = headers.get("location")
            if status in (301, 302, 303, 307) and loc:
                url = urllib.parse.urljoin(url, loc)
                continue
            return url, status, headers, body
        raise AssertionError("too many redirects")

    def post_form(self, url, form):
        status, headers, body = self._request("POST", url, form)
        loc = headers.get("location")
        if status in (301, 302, 303) and loc:
            return self.get(urllib.parse.urljoin(url, loc))
        return url, status, headers, body

    def _request(self, method, url, form=None):
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        if u.port == self.hp.server.port:
            r = self.hp.request(method, path, form=form)
            return r.status, {k.lower(): v for k, v in r.headers}, r.text
        jar = self.cookies.setdefault(u.netloc, {})
        hdrs = {"User-Agent": "holdpoint-e2e"}
        if jar:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read().decode("utf-8", "replace")
            headers = resp.getheaders()
        finally:
            conn.close()
        for k, v in headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                jar[name.strip()] = rest.split(";", 1)[0]
        return resp.status, {k.lower(): v for k, v in headers}, data


class NodeOidc:
    """The npm oidc-provider (tests/browser/oidc-provider.mjs) with accounts from a JSON file the test rewrites."""

    SECRET = "client-secret-for-the-tests-1"

    def __init__(self, redirect_uri):
        self.dir = tempfile.mkdtemp(prefix="holdpoint-oidc-")
        self.port = free_port()
        self.issuer = "http://127.0.0.1:%d" % self.port
        self.accounts_file = os.path.join(self.dir, "accounts.json")
        self.secret_file = os.path.join(self.dir, "client-secret")
        with open(self.secret_file, "w") as f:
            f.write(self.SECRET + "\n")
        self.accounts = {}
        self.save()
        self.redirect_uri = redirect_uri
        self.proc = None

    def save(self):
        with open(self.accounts_file + ".tmp", "w") as f:
            json.dump(self.accounts, f)
        os.replace(self.accounts_file + ".tmp", self.accounts_file)

    def set_account(self, sub, username, email, name, groups):
        self.accounts[sub] = {"preferred_username": username, "email": email, "name": name, "groups": list(groups)}
        self.save()

    def env(self, label="Example SSO"):
        return {"HOLDPOINT_OIDC_ISSUER": self.issuer, "HOLDPOINT_OIDC_CLIENT_ID": "holdpoint",
                "HOLDPOINT_OIDC_CLIENT_SECRET_FILE": self.secret_file, "HOLDPOINT_OIDC_LABEL": label}

    def start(self):
        node_dir = os.path.join(ROOT, "tests", "browser")
        if not os.path.isdir(os.path.join(node_dir, "node_modules", "oidc-provider")):
            raise AssertionError("tests/browser/node_modules/oidc-provider is missing: run make browser-deps")
        self.log = open(os.path.join(self.dir, "provider.log"), "w")
        self.proc = subprocess.Popen(["node", "oidc-provider.mjs", str(self.port), self.accounts_file, self.redirect_uri,
                                      self.SECRET], cwd=node_dir, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                with open(os.path.join(self.dir, "provider.log")) as f:
                    raise AssertionError("the provider exited: " + f.read())
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/.well-known/openid-configuration")
                ok = c.getresponse().status == 200
                c.close()
                return ok
            except OSError:
                return False
        poll(up, timeout=30, what="the OpenID provider answering")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def form_action(body):
        m = re.search(r'<form[^>]*action="([^"]+)"', body)
        if not m:
            raise AssertionError("no form on the provider's page: " + body[:500])
        return html.unescape(m.group(1))

    def sign_in(self, browser, start_url, sub):
        """Click "Sign in with …" (start_url on Holdpoint), sign in at the provider as sub, consent if asked;
        returns Holdpoint's final (url, status, headers, body)."""
        url, status, headers, body = browser.get(start_url)
        for _ in range(4):
            if not url.startswith(self.issuer):
                return url, status, headers, body
            action = urllib.parse.urljoin(url, self.form_action(body))
            if 'name="login"' in body:
                url, status, headers, body = browser.post_form(action, {"prompt": "login", "login": sub,
                                                                        "password": "any"})
            else:
                url, status, headers, body = browser.post_form(action, {"prompt": "consent"})
        raise AssertionError("the provider kept asking: " + body[:500])


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class FakeOidc:
    """A provider of our own whose token endpoint returns the ID token self.token_for(claims) builds:
    tests change claims, key or signature to check each refusal."""

    def __init__(self, client_id="holdpoint", secret="fake-provider-client-secret-1"):
        from cryptography.hazmat.primitives.asymmetric import rsa
        self.port = free_port()
        self.issuer = "http://127.0.0.1:%d" % self.port
        self.client_id = client_id
        self.dir = tempfile.mkdtemp(prefix="holdpoint-fakeoidc-")
        self.secret_file = os.path.join(self.dir, "client-secret")
        with open(self.secret_file, "w") as f:
            f.write(secret + "\n")
        self.secret = secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-1"
        self.published = [(self.kid, self.key)]
        self.codes = {}              # code -> the authorize request's params
        self.last_authorize = {}
        self.tamper = None           # fn(claims, header) -> (claims, header, key) or None
        self.jwks_fetches = 0
        self.token_calls = 0
        self.httpd = None

    def env(self, label="Fake SSO"):
        return {"HOLDPOINT_OIDC_ISSUER": self.issuer, "HOLDPOINT_OIDC_CLIENT_ID": self.client_id,
                "HOLDPOINT_OIDC_CLIENT_SECRET_FILE": self.secret_file, "HOLDPOINT_OIDC_LABEL": label}

    def jwk(self, kid, key):
        n = key.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                "n": b64url(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")), "e": b64url(n.e.to_bytes(3, "big"))}

    def sign(self, header, claims, key):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send(self, status, body, ctype="application/json", headers=()):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                if u.path == "/.well-known/openid-configuration":
                    return self.send(200, json.dumps({
                        "issuer": fake.issuer, "authorization_endpoint": fake.issuer + "/authorize",
                        "token_endpoint": fake.issuer + "/token", "jwks_uri": fake.issuer + "/jwks",
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"]}))
                if u.path == "/jwks":
                    fake.jwks_fetches += 1
                    return self.send(200, json.dumps({"keys": [fake.jwk(k, key) for k, key in fake.published]}))
                if u.path == "/authorize":
                    q = dict(urllib.parse.parse_qsl(u.query))
                    code = b64url(os.urandom(16))
                    fake.codes[code] = q
                    fake.last_authorize = q
                    loc = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
                    return self.send(302, "", "text/plain", [("Location", loc)])
                self.send(404, "{}")

            def do_POST(self):
                fake.token_calls += 1
                n = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
                auth = self.headers.get("Authorization", "")
                want = "Basic " + base64.b64encode(("%s:%s" % (fake.client_id, fake.secret)).encode()).decode()
                if auth != want:
                    return self.send(401, json.dumps({"error": "invalid_client"}))
                q = fake.codes.pop(form.get("code", ""), None)
                if q is None:
                    return self.send(400, json.dumps({"error": "invalid_grant"}))
                challenge = b64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if q.get("code_challenge") != challenge or q.get("code_challenge_method") != "S256":
                    return self.send(400, json.dumps({"error": "invalid_grant", "error_description": "PKCE"}))
                now = int(time.time()) + fake.clock_offset()
                claims = {"iss": fake.issuer, "sub": "fake-ana", "aud": fake.client_id, "exp": now + 300, "iat": now,
                          "auth_time": now, "nonce": q.get("nonce"), "preferred_username": "fana",
                          "email": "fana@example.com", "name": "Fake Ana", "groups": ["release-approvers"]}
                header = {"alg": "RS256", "typ": "JWT", "kid": fake.kid}
                key = fake.key
                if fake.tamper:
                    claims, header, key = fake.tamper(claims, header, key)
                tok = fake.sign(header, claims, key)
                if header.get("corrupt"):
                    head, body, sig = tok.split(".")
                    tok = head + "." + b64url(json.dumps(dict(claims, sub="someone-else")).encode()) + "." + sig
                self.send(200, json.dumps({"access_token": "x", "token_type": "Bearer", "id_token": tok}))

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    clock_file = None

    def clock_offset(self):
        """The Holdpoint server's test clock offset (s), so 'now' means the same on both sides."""
        if self.clock_file and os.path.exists(self.clock_file):
            with open(self.clock_file) as f:
                return int(f.read().strip() or 0) // 1000
        return 0

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        shutil.rmtree(self.dir, ignore_errors=True)
