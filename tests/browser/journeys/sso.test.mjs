// sso.test.mjs — signing in with the company's directory (slapd) and identity provider (oidc-provider),
// as people do it: the right teams appear, they approve, and leaving a group takes the approval away.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Holdpoint, ROOT, launch, close, person, checkA11y, shot } from "../lib.mjs";

const GATE = `apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: team-gate
description: One approval by the approvers team.
phases:
  - name: prod
    activities:
      - name: gate
        type: approval
        approvers:
          rules: [{team: approvers, min: 1}]
`;

let browser;
const cleanups = [];
before(async () => { browser = await launch(); });
after(async () => {
  await close(browser);
  for (const f of cleanups.reverse()) { try { await f(); } catch { /* keep stopping the others */ } }
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on("error", reject);
  });
}

/** slapd through tests/e2e/idp_serve.py: its settings, and a function that sends it a command. */
async function directory(spec) {
  const proc = spawn("python3", [path.join(ROOT, "tests", "e2e", "idp_serve.py"), "ldap", JSON.stringify(spec)],
                     { cwd: path.join(ROOT, "tests", "e2e"), stdio: ["pipe", "pipe", "inherit"] });
  cleanups.push(() => new Promise((resolve) => { proc.on("exit", resolve); proc.stdin.end(); }));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  assert.ok(!first.done, "the test directory did not start");
  const { env } = JSON.parse(first.value);
  const send = async (cmd) => {
    proc.stdin.write(cmd + "\n");
    const answer = await lines.next();
    assert.equal(answer.value, "ok", `directory: ${cmd}`);
  };
  return { env, send };
}

/** Holdpoint with the given sign-in settings, a group map file, the team-gate template. */
async function holdpoint(env, mapLines, port) {
  const dir = mkdtempSync(path.join(tmpdir(), "holdpoint-sso-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "group-map"), mapLines.join("\n") + "\n");
  writeFileSync(path.join(dir, "team-gate.yaml"), GATE);
  const hp = new Holdpoint();
  await hp.start({ HOLDPOINT_GROUP_MAP_FILE: path.join(dir, "group-map"), ...env }, port);
  cleanups.push(() => hp.stop());
  hp.cli("team", "member", "add", "approvers", "dave");
  hp.cli("template", "import", path.join(dir, "team-gate.yaml"));
  return hp;
}

async function startGate(hp, name) {
  const r = await hp.api("POST", "/api/v1/releases", { template: "team-gate", name, version: "1.0", variables: {} });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const rel = await hp.api("GET", `/api/v1/releases/${r.json.id}`);
  const acts = rel.json.phases.flatMap((p) => p.activities);
  return acts.find((a) => a.name === "gate").id;
}

test("a directory person signs in, sees the team their group gives, approves, and loses it with the group", async () => {
  // (a groupOfNames must keep one member: mia stays in it)
  const ldap = await directory({ people: [["lena", "Lena Lindqvist", "lena@example.com", "lena-directory-pw"],
                                          ["mia", "Mia Moreau", "mia@example.com", "mia-directory-pw"]],
                                  groups: { "release-approvers": ["lena", "mia"] } });
  const hp = await holdpoint(ldap.env, ["release-approvers team:approvers", "release-approvers role:approver"]);
  const page = await person(browser, hp);
  await page.goto("/");
  await assert.doesNotReject(page.getByLabel("Username (your company account, or a Holdpoint account)").waitFor());
  await page.getByLabel("Username").fill("lena");
  await page.getByLabel("Password").fill("lena-directory-pw");
  await page.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(page.getByRole("link", { name: "Lena Lindqvist" }).waitFor());
  await page.goto("/me");
  await assert.doesNotReject(page.getByText("With your company directory (LDAP) account").waitFor());
  assert.match(await page.locator("dl.facts").first().innerText(), /approvers/);
  await checkA11y(page, "a directory person's page");
  // who may approve is fixed when a gate opens: her account and team exist now
  const first = await startGate(hp, "web-shop");
  await page.goto(`/activities/${first}`);
  await page.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(page.getByText("approved and the release moves on").waitFor());
  // a second gate is open on her screen when the directory takes her out of the group
  const second = await startGate(hp, "web-shop-2");
  await page.goto(`/activities/${second}`);
  await assert.doesNotReject(page.getByRole("button", { name: "Approve" }).waitFor());
  await ldap.send("remove_member release-approvers lena");
  hp.cli("directory-sync");
  await page.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(page.getByText("not one of the approvers").first().waitFor());
  await shot(page, "sso-ldap-refused");
  await page.goto("/me");
  assert.doesNotMatch(await page.locator("dl.facts").first().innerText(), /approvers/);
});

test("a person signs in with the identity provider, approves, and loses the approval when their group changes", async () => {
  const port = await freePort();
  const opPort = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "holdpoint-op-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const accounts = path.join(dir, "accounts.json");
  const setGroups = (groups) => writeFileSync(accounts, JSON.stringify({
    "u-ana": { preferred_username: "ana", email: "ana@example.com", name: "Ana Okafor", groups } }));
  setGroups(["release-approvers"]);
  writeFileSync(path.join(dir, "secret"), "client-secret-for-the-journeys-1\n");
  const op = spawn("node", [path.join(ROOT, "tests", "browser", "oidc-provider.mjs"), String(opPort), accounts,
                            `http://127.0.0.1:${port}/login/oidc/callback`, "client-secret-for-the-journeys-1"],
                   { cwd: path.join(ROOT, "tests", "browser"), stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => new Promise((resolve) => { if (op.exitCode !== null) resolve(); else { op.on("exit", resolve); op.kill("SIGTERM"); } }));
  const ready = createInterface({ input: op.stdout })[Symbol.asyncIterator]();
  assert.match((await ready.next()).value, /^listening/);
  const hp = await holdpoint({ HOLDPOINT_OIDC_ISSUER: `http://127.0.0.1:${opPort}`, HOLDPOINT_OIDC_CLIENT_ID: "holdpoint",
                               HOLDPOINT_OIDC_CLIENT_SECRET_FILE: path.join(dir, "secret"), HOLDPOINT_OIDC_LABEL: "Okta",
                               HOLDPOINT_BASE_URL: `http://127.0.0.1:${port}` },
                             ["release-approvers team:approvers", "release-approvers role:approver"], port);
  assert.equal(hp.port, port);
  const signInAtProvider = async (page) => {
    await page.goto("/login");
    await shot(page, "sso-login");
    await page.getByRole("link", { name: "Sign in with Okta" }).click();
    await page.locator('input[name="login"]').fill("u-ana");
    await page.locator('input[name="password"]').fill("anything");
    await page.getByRole("button", { name: "Sign-in" }).click();
    const cont = page.getByRole("button", { name: "Continue" });
    if (await cont.count()) await cont.click();        // the provider asks for consent the first time
    await page.waitForURL((u) => u.port === String(port) && !u.pathname.startsWith("/login"));
  };
  const page = await person(browser, hp);
  await signInAtProvider(page);
  const first = await startGate(hp, "payments");
  await assert.doesNotReject(page.getByRole("link", { name: "Ana Okafor" }).waitFor());
  await page.goto("/me");
  await assert.doesNotReject(page.getByText("Through Okta").waitFor());
  assert.match(await page.locator("dl.facts").first().innerText(), /approvers/);
  await page.goto(`/activities/${first}`);
  await page.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(page.getByText("approved and the release moves on").waitFor());
  // she has the next gate open; the provider moves her out of the group and she signs in again elsewhere
  const second = await startGate(hp, "payments-2");
  await page.goto(`/activities/${second}`);
  await assert.doesNotReject(page.getByRole("button", { name: "Approve" }).waitFor());
  setGroups(["developers"]);
  const laptop = await person(browser, hp);
  await signInAtProvider(laptop);
  await page.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(page.getByText("not one of the approvers").first().waitFor());
  await laptop.goto("/me");
  assert.doesNotMatch(await laptop.locator("dl.facts").first().innerText(), /approvers/);
  await shot(laptop, "sso-oidc-me");
});

/** The code an authenticator app shows for a base32 secret now (RFC 6238). */
async function totp(secret) {
  const { createHmac } = await import("node:crypto");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/\s+/g, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const h = createHmac("sha1", key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

test("an administrator whose role requires it sets up two-step sign-in with the QR code, then signs in with a code", async () => {
  const hp = new Holdpoint();
  await hp.start({ HOLDPOINT_TWO_STEP_ROLES: "admin" });
  cleanups.push(() => hp.stop());
  const page = await person(browser, hp);
  await page.goto("/login");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("holdpoint-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(page.getByText("Your role requires two-step sign-in").waitFor());
  await page.getByRole("button", { name: "Set up two-step sign-in" }).click();
  await assert.doesNotReject(page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor());
  await checkA11y(page, "two-step set-up");
  await shot(page, "two-step-setup");
  const secret = await page.locator("#totp-secret").innerText();
  await page.getByLabel("Code from the app").fill(await totp(secret));
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await assert.doesNotReject(page.getByRole("heading", { name: "Your recovery codes" }).waitFor());
  assert.equal(await page.locator("ol.codes li").count(), 10);
  const recovery = await page.locator("ol.codes li").first().innerText();
  await page.getByRole("link", { name: "I have saved them" }).click();
  await assert.doesNotReject(page.getByRole("link", { name: "Ada Admin" }).first().waitFor());
  // a new browser: the password, then a recovery code (the app's code of this step is spent)
  const other = await person(browser, hp);
  await other.goto("/login");
  await other.getByLabel("Username").fill("admin");
  await other.getByLabel("Password").fill("holdpoint-demo");
  await other.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(other.getByRole("heading", { name: "Two-step sign-in" }).waitFor());
  await checkA11y(other, "the second step");
  await other.getByLabel("Code").fill(recovery);
  await other.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(other.getByRole("link", { name: "Ada Admin" }).first().waitFor());
  await other.goto("/admin/groups");
  await assert.doesNotReject(other.getByRole("heading", { name: "Groups to teams and roles" }).waitFor());
  await checkA11y(other, "the group map");
  await shot(other, "admin-groups");
});
