// lib.mjs — start Holdpoint like `make run` (nginx + server) on a free loopback port with a
// fresh data directory, drive Debian's chromium with playwright-core, check pages with axe-core.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, chmodSync, readFileSync, mkdirSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const BUILD = process.env.HOLDPOINT_BUILD ? path.resolve(ROOT, process.env.HOLDPOINT_BUILD) : path.join(ROOT, "build");
export const PASSWORD = "holdpoint-demo";
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const SHOTS = process.env.HOLDPOINT_SHOTS || path.join(ROOT, "build", "screenshots");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on("error", reject);
  });
}

/** One Holdpoint (server + nginx) with its own data directory. */
export class Holdpoint {
  /** port: a port chosen beforehand (an identity provider was told the redirect URI), else a free one. */
  async start(extraEnv = {}, port = undefined) {
    this.port = port || await freePort();
    this.data = mkdtempSync(path.join(tmpdir(), "holdpoint-browser-"));
    chmodSync(this.data, 0o755);
    this.env = { ...process.env, PORT: String(this.port), TLS_PORT: String(await freePort()),
      HOLDPOINT_DATA: this.data, HOLDPOINT_BUILD: BUILD, HOLDPOINT_QUIET: "1", HOLDPOINT_WORKERS: "2",
      HOLDPOINT_RUN_STATE: path.join(this.data, "runs"), ...extraEnv };
    execFileSync(path.join(ROOT, "nginx", "localrun.sh"), ["start"], { env: this.env, stdio: "pipe" });
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }
  stop() {
    if (!this.data) return;
    try { execFileSync(path.join(ROOT, "nginx", "localrun.sh"), ["stop"], { env: this.env, stdio: "pipe" }); }
    finally { if (process.env.HOLDPOINT_KEEP_DATA !== "1") rmSync(this.data, { recursive: true, force: true }); this.data = null; }
  }
  cli(...args) {
    return execFileSync(path.join(BUILD, "holdpoint"), args, { env: this.env, encoding: "utf8" });
  }
  token() { return readFileSync(path.join(this.data, "demo-token"), "utf8").trim(); }
  /** Call the JSON API as the demo pipeline (alice's token). */
  async api(method, p, body, token) {
    const res = await fetch(this.url + p, { method, headers: { Authorization: "Bearer " + (token || this.token()),
      "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }
}

/** Launch headless chromium (Debian's) with the flags this closed network needs. */
export async function launch() {
  const userDir = mkdtempSync(path.join(tmpdir(), "holdpoint-chromium-"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  browser.__userDir = userDir;
  return browser;
}

export async function close(browser) {
  if (!browser) return;
  await browser.close();
  rmSync(browser.__userDir, { recursive: true, force: true });
}

/** A fresh browser context (one person) at a given width. */
export async function person(browser, hp, { width = 1280, height = 900, colorScheme = "light", javaScriptEnabled = true,
                                            timezoneId = undefined } = {}) {
  const context = await browser.newContext({ baseURL: hp.url, viewport: { width, height }, bypassCSP: true, colorScheme,
                                             javaScriptEnabled, timezoneId });
  const page = await context.newPage();
  page.on("pageerror", (e) => { throw e; });
  return page;
}

/** Sign in through the form, as a person would. */
export async function signIn(page, username, password = PASSWORD) {
  await page.goto("/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState("domcontentloaded");
}

/** Run axe-core on the current page; fail on serious or critical violations. */
export async function checkA11y(page, label) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`), [],
    `accessibility violations on ${label}`);
}

/** Save a screenshot under build/screenshots (or HOLDPOINT_SHOTS). */
export async function shot(page, name) {
  if (!existsSync(SHOTS)) mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name + ".png"), fullPage: true });
}
