"""test_ci_snippets.py — the README's GitHub Actions, GitLab CI and Jenkins snippets, taken from the
README as written and run against a real server in a fake CI environment, while people (the
test) sign off QA and approve production in Holdpoint."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest

import yaml

import harness
from harness import ServerTestCase, poll
from test_evidence import make_pdf

URL_IN_DOCS = "https://holdpoint.example"


def readme_block(after, lang):
    """The first ```lang block after the line that starts with `after`."""
    text = open(os.path.join(harness.ROOT, "README.md")).read()
    at = text.index("\n" + after)
    m = re.compile(r"```%s\n(.*?)```" % lang, re.S).search(text, at)
    return m.group(1)


class SnippetTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.server.demo_token()
        cls.api = cls.server.client(token=cls.token)
        cls.bob = cls.server.client(token=cls.server.cli("token", "create", "--user", "bob", "--name", "ci").stdout.strip())

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="holdpoint-e2e-ci-")
        os.makedirs(os.path.join(self.work, "build"))
        with open(os.path.join(self.work, "build", "test-report.pdf"), "wb") as f:
            f.write(make_pdf("412 tests passed"))
        self.env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        self.env["PATH"] = "/usr/local/bin:/usr/bin:/bin"              # no holdctl: the snippet fetches it
        self.env.update(HOLDPOINT_TOKEN=self.token, EVALUATION="warning")
        self.url = self.server.url("").rstrip("/")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    # ---------------------------------------------------------------- the people in Holdpoint

    def act(self, name, activity):
        rel = [r for r in self.api.get("/api/v1/releases").json()["releases"] if r["name"] == name]
        if not rel:
            return None
        full = self.api.get("/api/v1/releases/%d" % rel[0]["id"]).json()
        return [a for p in full["phases"] for a in p["activities"] if a["name"] == activity][0]

    def people(self, name, stop, errors):
        """QA signs off once the report is there; SRE and product approve production with signatures."""
        try:
            def qa_ready():
                a = self.act(name, "qa-signoff")
                if stop.is_set() or a is None or a["status"] != "on_hold":
                    return False
                return self.bob.get("/api/v1/activities/%d/evidence" % a["id"]).json()["evidence"] and a
            qa = poll(qa_ready, timeout=120, what="QA's sign-off with the report")
            if stop.is_set():
                return
            r = self.bob.request("POST", "/api/v1/activities/%d/inputs" % qa["id"],
                                 json_body={"values": {"all_passed": True, "risk": "low"}})
            assert r.status == 200, r.text
            r = self.bob.request("POST", "/api/v1/activities/%d/decision" % qa["id"],
                                 json_body={"decision": "approve", "comment": "signed off"})
            assert r.status == 200, r.text
            pa = poll(lambda: stop.is_set() or ((self.act(name, "production-approval") or {}).get("status") == "on_hold"
                                                and self.act(name, "production-approval")),
                      timeout=120, what="the production approval on hold")
            if stop.is_set() or pa is True:
                return
            for who in ("carol", "dave"):
                c = self.server.client()
                c.login(who)
                c.get("/activities/%d" % pa["id"])
                r = c.post("/activities/%d/decision" % pa["id"], {"decision": "approve", "comment": "go",
                                                                 "password": harness.PASSWORD})
                assert r.status == 303, r.text[:300]
        except Exception as e:               # noqa: BLE001 — the test reports it
            errors.append(repr(e))

    def run_with_people(self, name, argv, env):
        stop, errors = threading.Event(), []
        t = threading.Thread(target=self.people, args=(name, stop, errors))
        t.start()
        try:
            r = subprocess.run(argv, env=env, cwd=self.work, capture_output=True, text=True, timeout=300)
        finally:
            stop.set()
            t.join(150)
        self.assertEqual(errors, [])
        self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stdout, r.stderr))
        self.assertEqual(self.act(name, "production-approval")["status"], "completed")
        self.assertEqual(self.act(name, "qa-signoff")["status"], "completed")
        return r

    # ---------------------------------------------------------------- the snippets

    def test_01_github_actions_with_the_composite_action(self):
        workflow = yaml.safe_load(readme_block("GitHub Actions", "yaml"))
        action_dir = os.path.join(harness.ROOT, "docs", "ci", "github-action")
        action = yaml.safe_load(open(os.path.join(action_dir, "action.yml")))
        step_def = action["runs"]["steps"][0]
        context = {"vars.HOLDPOINT_URL": self.url, "secrets.HOLDPOINT_TOKEN": self.token, "vars.EVALUATION": "warning",
                   "github.event.repository.name": "shop-github", "github.sha": "0123abc",
                   "github.repository": "acme/shop-github", "github.action_path": action_dir}
        expr = re.compile(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")
        outputs = {}
        steps = workflow["gate"]["steps"]
        self.assertEqual(len(steps), 2)
        for i, step in enumerate(steps):
            self.assertTrue(step["uses"].endswith("/docs/ci/github-action@main"))
            given = {k: expr.sub(lambda m: context[m.group(1)], str(v)) for k, v in step["with"].items()}
            inputs = {k: str(given.get(k, d.get("default", ""))) for k, d in action["inputs"].items()}
            for k, d in action["inputs"].items():
                if d.get("required"):
                    self.assertIn(k, given, "the action needs %s" % k)
            env = dict(self.env)
            for k, v in step_def["env"].items():
                env[k] = expr.sub(lambda m: inputs[m.group(1)[len("inputs."):]], v)
            out = os.path.join(self.work, "github-output-%d" % i)
            open(out, "w").close()
            env.update(GITHUB_OUTPUT=out, RUNNER_TEMP=self.work)
            run = expr.sub(lambda m: context[m.group(1)], step_def["run"])
            if i == 0:
                stop, errors = threading.Event(), []
                t = threading.Thread(target=self.people, args=("shop-github", stop, errors))
                t.start()
            try:
                r = subprocess.run(["bash", "-c", run], env=env, cwd=self.work, capture_output=True, text=True, timeout=300)
            finally:
                if i == len(steps) - 1 or r.returncode != 0:
                    stop.set()
                    t.join(150)
            self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stdout, r.stderr))
            for line in open(out):
                k, _, v = line.strip().partition("=")
                outputs[k] = v
            if step.get("id"):
                context["steps.%s.outputs.release" % step["id"]] = outputs["release"]
        self.assertEqual(errors, [])
        self.assertEqual(self.act("shop-github", "production-approval")["status"], "completed")

    def test_02_gitlab_ci(self):
        job = yaml.safe_load(readme_block("GitLab CI", "yaml"))["production-gate"]
        env = dict(self.env, CI_PROJECT_NAME="shop-gitlab", CI_COMMIT_SHA="4567def",
                   CI_REGISTRY_IMAGE="registry.gitlab.example/acme/shop")
        env.update({k: str(v) for k, v in job.get("variables", {}).items()})
        env["HOLDPOINT_URL"] = self.url                 # a project variable overrides the file's
        script = "set -eo pipefail\n" + "\n".join(job["script"]) + "\n"
        self.run_with_people("shop-gitlab", ["bash", "-c", script], env)

    def test_03_jenkins(self):
        block = readme_block("Jenkins (declarative)", "groovy")
        sh = re.search(r"sh '''(.*?)'''", block, re.S).group(1)
        envblock = re.search(r"environment \{(.*?)\}", block, re.S).group(1)
        env = dict(self.env, JOB_BASE_NAME="shop-jenkins", BUILD_NUMBER="42")
        for name, value in re.findall(r"(\w+) = (.+)", envblock):
            env[name] = self.token if value.startswith("credentials(") else value.strip("'").replace(URL_IN_DOCS, self.url)
        self.run_with_people("shop-jenkins", ["sh", "-xe", "-c", sh], env)


if __name__ == "__main__":
    unittest.main()
