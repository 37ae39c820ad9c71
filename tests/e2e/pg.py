"""pg.py — a PostgreSQL cluster of its own for `make check-postgres`: Debian's initdb and
pg_ctl in a temporary directory, on a free loopback port, trust authentication for the
holdpoint role, stopped and removed at the end.  Each test server gets a fresh database.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb + pg_ctl start; url(db) for libpq; create()/drop() databases; stop()."""

    def __init__(self):
        self.bin = _bindir()
        self.dir = tempfile.mkdtemp(prefix="holdpoint-pg-")
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:                       # initdb refuses to run as root
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.started = False

    def _run(self, *args):
        cmd = [os.path.join(self.bin, args[0])] + list(args[1:])
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s %s" % (args[0], r.stdout, r.stderr))
        return r

    def start(self, options="", replica_of=None):
        """A new cluster, or (replica_of) a streaming standby of another made by pg_basebackup."""
        if replica_of is None:
            self._run("initdb", "-D", self.data, "-U", "holdpoint", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8")
        else:
            self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(replica_of.port), "-U", "holdpoint",
                      "-D", self.data, "-R", "-X", "stream", "-c", "fast")
        # fsync off: the tests' data is thrown away
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                  "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 %s"
                  % (self.port, self.dir, options), "start")
        self.started = True
        return self

    def kill(self):
        """Stop at once, as a machine that is lost would (no checkpoint, connections cut)."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        self.started = False

    def promote(self):
        self._run("pg_ctl", "-D", self.data, "-w", "promote")

    def stop(self):
        if self.started:
            try:
                self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db="postgres"):
        return "postgresql://holdpoint@127.0.0.1:%d/%s" % (self.port, db)

