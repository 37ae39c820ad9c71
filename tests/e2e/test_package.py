"""test_package.py — `make deb`: the package builds, its unit verifies, it installs into a scratch
root (twice, idempotently), and the installed program serves behind nginx from the installed files."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import poll


class PackageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="holdpoint-e2e-deb-")
        os.chmod(cls.tmp, 0o755)
        r = subprocess.run([os.path.join(harness.ROOT, "docs", "deb", "build.sh")], capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, BUILD=harness.BUILD))
        if r.returncode != 0:
            raise AssertionError("build.sh failed: %s %s" % (r.stdout, r.stderr))
        cls.deb = r.stdout.strip().splitlines()[-1]
        cls.root = os.path.join(cls.tmp, "root")
        os.makedirs(os.path.join(cls.root, "etc"))
        for f in ("passwd", "group", "shadow", "gshadow"):
            if os.path.exists("/etc/" + f):
                shutil.copy2("/etc/" + f, os.path.join(cls.root, "etc", f))
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        subprocess.run(["dpkg-deb", "-e", cls.deb, os.path.join(cls.root, "DEBIAN")], check=True)
        cls.procs = []

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
        pidfile = os.path.join(cls.tmp, "nginx.pid")
        if os.path.exists(pidfile):
            subprocess.run(["nginx", "-q", "-c", os.path.join(cls.tmp, "nginx.conf"), "-s", "quit"], capture_output=True)
            poll(lambda: not os.path.exists(pidfile), what="nginx stopped", timeout=30)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        return subprocess.run(["dpkg-deb", "-f", self.deb, name], capture_output=True, text=True, check=True).stdout.strip()

    def test_01_contents_and_metadata(self):
        self.assertEqual(self.field("Package"), "holdpoint")
        deps = self.field("Depends")
        for lib in ("libfcgi0ldbl", "libctemplate3", "libsqlite3-0", "libmagic1", "libssl3", "libcurl4", "nginx"):
            self.assertIn(lib, deps)
        listing = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True, text=True, check=True).stdout
        for path in ("./usr/bin/holdpoint", "./usr/bin/holdctl", "./lib/systemd/system/holdpoint.service",
                     "./etc/holdpoint/holdpoint.conf", "./etc/nginx/sites-available/holdpoint",
                     "./usr/share/holdpoint/sql/001_init.sql", "./usr/share/holdpoint/sql/postgres/016_schema.sql",
                     "./usr/share/holdpoint/templates/activity.tpl",
                     "./usr/share/holdpoint/static/css/holdpoint.css"):
            self.assertIn(path, listing)
        conffiles = open(os.path.join(self.root, "DEBIAN", "conffiles")).read().split()
        self.assertIn("/etc/holdpoint/holdpoint.conf", conffiles)
        # every setting the README's table names is documented in the configuration file
        conf = open(os.path.join(self.root, "etc", "holdpoint", "holdpoint.conf")).read()
        readme = open(os.path.join(harness.ROOT, "README.md")).read()
        table = readme[readme.index("## Configuration"):readme.index("## Operations")]
        for var in set(re.findall(r"`(HOLDPOINT_[A-Z0-9_]+)`", table)) - {"HOLDPOINT_SEED", "HOLDPOINT_TLS",
                "HOLDPOINT_NGINX_MAX_BODY", "HOLDPOINT_COUNT_STATEMENTS", "HOLDPOINT_RUN_STATE",
                "HOLDPOINT_UPSTREAM_EXTRA"}:                  # make run's, not the package's
            self.assertIn(var, conf, "%s is not in /etc/holdpoint/holdpoint.conf" % var)

    def test_02_the_unit_verifies_and_is_sandboxed(self):
        unit = os.path.join(self.root, "lib", "systemd", "system", "holdpoint.service")
        # the system's own units (the targets the unit is ordered after) into the scratch root
        units = os.path.join(self.root, "usr", "lib", "systemd", "system")
        if not os.path.exists(units):
            shutil.copytree("/usr/lib/systemd/system", units, symlinks=True)
        r = subprocess.run(["systemd-analyze", "verify", "--root=" + self.root, "/lib/systemd/system/holdpoint.service"],
                           capture_output=True, text=True, timeout=120)
        problems = [l for l in (r.stdout + r.stderr).splitlines() if "holdpoint" in l.lower()]
        self.assertEqual(problems, [], r.stdout + r.stderr)
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--root=" + self.root,
                            "--threshold=30", "holdpoint.service"], capture_output=True, text=True, timeout=120)
        m = re.search(r"Overall exposure level for holdpoint.service: ([0-9.]+)", r.stdout + r.stderr)
        self.assertTrue(m, r.stdout + r.stderr)
        print("\n    systemd-analyze security: exposure %s (0 is best, 10 worst)" % m.group(1), end=" ")
        self.assertLess(float(m.group(1)), 3.0)
        text = open(unit).read()
        for line in ("ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "ReadWritePaths=/var/lib/holdpoint"):
            self.assertIn(line, text)

    def test_03_installs_idempotently_and_serves_from_the_installed_files(self):
        env = dict(os.environ, DPKG_ROOT=self.root)
        postinst = os.path.join(self.root, "DEBIAN", "postinst")
        for _ in range(2):                                # a second install changes nothing
            r = subprocess.run(["sh", postinst, "configure"], env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
        passwd = open(os.path.join(self.root, "etc", "passwd")).read()
        self.assertEqual(len(re.findall(r"^holdpoint:", passwd, re.M)), 1)
        self.assertRegex(passwd, r"(?m)^holdpoint:x:\d+:\d+:Holdpoint:/var/lib/holdpoint:/usr/sbin/nologin$")
        data = os.path.join(self.root, "var", "lib", "holdpoint")
        self.assertEqual(oct(os.stat(data).st_mode & 0o777), "0o750")
        # the installed program, with the installed templates, sql and static files
        share = os.path.join(self.root, "usr", "share", "holdpoint")
        os.chmod(self.root, 0o755)
        os.chmod(data, 0o755)
        penv = dict(os.environ, HOLDPOINT_ROOT=share, HOLDPOINT_DATA=data, HOLDPOINT_WORKERS="2")
        if os.getuid() == 0:
            penv["HOLDPOINT_SOCKET_GROUP"] = "www-data"
        exe = os.path.join(self.root, "usr", "bin", "holdpoint")
        r = subprocess.run([exe, "migrate"], env=penv, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([exe, "migrate"], env=penv, capture_output=True, text=True, timeout=120)   # an upgrade: nothing to do
        self.assertEqual(r.returncode, 0, r.stderr)
        pw = subprocess.run([exe, "user", "add", "ops", "--email", "ops@example.com", "--display-name", "Ops",
                             "--role", "admin"], env=penv, input="a-long-password-1\n", capture_output=True, text=True)
        self.assertEqual(pw.returncode, 0, pw.stderr)
        # systemd's readiness protocol (Type=notify): the server says READY=1 once it serves
        import socket
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(os.path.join(self.tmp, "notify"))
        notify.settimeout(60)
        penv["NOTIFY_SOCKET"] = os.path.join(self.tmp, "notify")
        log = open(os.path.join(self.tmp, "serve.log"), "w")
        p = subprocess.Popen([exe, "serve"], env=penv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        self.assertEqual(notify.recv(256).decode().split("\n"), ["READY=1", "STATUS=serving"])
        sock = os.path.join(data, "run", "holdpoint.sock")
        self.assertTrue(os.path.exists(sock), "READY=1 before the socket exists")
        # nginx from the installed site files, with the scratch root's paths
        port = harness.free_port()
        conf = os.path.join(self.tmp, "conf")
        os.makedirs(conf)
        def moved(text):
            return (text.replace("/var/lib/holdpoint", data).replace("/usr/share/holdpoint", share)
                        .replace("/etc/holdpoint/nginx", conf).replace("listen 80;", "listen 127.0.0.1:%d;" % port))
        for src, dst in (("etc/holdpoint/nginx/site.conf", "site.conf"), ("etc/holdpoint/nginx/fastcgi.conf", "fastcgi.conf"),
                         ("etc/nginx/sites-available/holdpoint", "holdpoint.conf")):
            with open(os.path.join(self.root, src)) as f, open(os.path.join(conf, dst), "w") as g:
                g.write(moved(f.read()))
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.tmp, "nginx-" + d))
        user = "user www-data www-data;" if os.getuid() == 0 else ""
        if os.getuid() == 0:
            for d in (os.path.join(data, "run"), os.path.join(data, "evidence")):
                shutil.chown(d, group="www-data")
        with open(os.path.join(self.tmp, "nginx.conf"), "w") as f:
            f.write("%s\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log warn;\n"
                    "events { worker_connections 64; }\nhttp {\n include /etc/nginx/mime.types;\n access_log off;\n"
                    " client_body_temp_path %s/nginx-body;\n proxy_temp_path %s/nginx-proxy;\n"
                    " fastcgi_temp_path %s/nginx-fastcgi;\n uwsgi_temp_path %s/nginx-uwsgi;\n scgi_temp_path %s/nginx-scgi;\n"
                    " include %s/holdpoint.conf;\n}\n" % ((user,) + (self.tmp,) * 7 + (conf,)))
        r = subprocess.run(["nginx", "-q", "-c", os.path.join(self.tmp, "nginx.conf")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        class Installed:                                   # what harness.Client needs of a server
            pass
        installed = Installed()
        installed.port, installed.env = port, {}
        c = harness.Client(installed)
        poll(lambda: c.get("/healthz").status == 200, what="/healthz through nginx")
        self.assertEqual(c.get("/healthz").text, "ok")
        c.login("ops", password="a-long-password-1")
        page = c.get("/")
        self.assertEqual(page.status, 200)
        self.assertIn("Holdpoint", page.text)
        self.assertEqual(c.get("/static/css/holdpoint.css").status, 200)      # nginx serves the installed static files
        p.terminate()
        self.assertEqual(notify.recv(256).decode(), "STOPPING=1")
        self.assertEqual(p.wait(60), 0)
        notify.close()


if __name__ == "__main__":
    unittest.main()
