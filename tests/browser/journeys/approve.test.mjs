// approve.test.mjs — the journeys of approvers, QA, release managers and auditors, by clicking
// labelled links and buttons and filling labelled fields, as people do.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
const scratch = [];                      // directories of files people upload, removed at the end
/** A new scratch directory for files to upload. */
function uploadDir() { const d = mkdtempSync(path.join(tmpdir(), "hp-upload-")); scratch.push(d); return d; }
after(async () => {
  await close(browser);
  hp?.stop();
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A small but real PDF (one page with a line of text), with a correct xref table. */
function makePdf(text) {
  const objs = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    null,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = "%PDF-1.4\n";
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** Start a delivery release through the pipeline API and bring it to the QA sign-off. */
async function releaseAtQa(name) {
  const r = await hp.api("POST", "/api/v1/releases", { template: "delivery", name, version: "3.1.0",
    variables: { image: `registry.example/${name}:3.1.0`, version: "3.1.0" } });
  assert.equal(r.status, 201);
  const acts = Object.fromEntries(r.json.phases.flatMap((p) => p.activities).map((a) => [a.name, a.id]));
  assert.equal((await hp.api("POST", `/api/v1/activities/${acts["deploy-qa"]}/result`, { result: "pass" })).status, 200);
  return { id: r.json.id, acts };
}

test("an approver finds the waiting activity in the inbox, approves with a signature, and the release moves on", async () => {
  const carol = await person(browser, hp);
  await signIn(carol, "carol");
  await shot(carol, "inbox");
  await checkA11y(carol, "inbox");
  await carol.getByRole("link", { name: "production-approval" }).first().click();
  await carol.getByRole("heading", { name: "production-approval" }).waitFor();
  await assert.doesNotReject(carol.getByText("Approved for release to production").first().waitFor());
  await shot(carol, "activity-approval");
  await checkA11y(carol, "activity");
  await carol.getByLabel("Password").fill("holdpoint-demo");
  await carol.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(carol.getByText("Your approval is recorded").waitFor());
  assert.match(await carol.locator("main").innerText(), /Carol Reliability/);

  // dave completes both production gates; the database migration then waits for a DBA
  const dave = await person(browser, hp);
  await signIn(dave, "dave");
  await dave.getByRole("link", { name: "production-approval" }).first().click();
  await dave.getByLabel("Password").fill("holdpoint-demo");
  await dave.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(dave.getByText("approved and the release moves on").waitFor());
  await dave.goto("/");
  await dave.getByRole("link", { name: "security-review" }).first().click();
  await dave.getByLabel("Findings reviewed").selectOption("none");
  await dave.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(dave.getByText("approved and the release moves on").waitFor());
  await dave.getByRole("link", { name: /checkout-service/ }).first().click();
  await assert.doesNotReject(dave.getByText("db-migration").first().waitFor());
  await shot(dave, "release-on-hold");
  await checkA11y(dave, "release");
  const text = await dave.locator("main").innerText();
  assert.match(text, /db-migration[\s\S]*On Hold/);
  await carol.context().close();
  await dave.context().close();
});

test("QA signs off in one form without JavaScript: a refused file keeps what was typed, then fields, file and decision go in one submit", async () => {
  const rel = await releaseAtQa("ledger");
  const bob = await person(browser, hp, { javaScriptEnabled: false });
  await signIn(bob, "bob");
  await bob.getByRole("link", { name: "qa-signoff" }).first().click();
  // one form: no separate Upload or Save-then-approve steps
  assert.equal(await bob.getByRole("button", { name: "Upload" }).count(), 0);
  assert.equal(await bob.locator("form.one-form").count(), 1);
  const dir = uploadDir();
  const fake = path.join(dir, "report.pdf");
  writeFileSync(fake, readFileSync("/bin/true"));           // an executable named .pdf
  await bob.getByLabel("I confirm all critical tests passed").check();
  await bob.getByLabel("Risk level").selectOption("low");
  await bob.getByLabel("Test report: choose a file").setInputFiles(fake);
  await bob.getByLabel("Comment").fill("Regression suite green");
  await bob.getByRole("button", { name: "Approve" }).click();
  // the refusal names the file and says what it is in words, next to the field it was for
  await assert.doesNotReject(bob.locator("#f_report-error").filter({ hasText: /report\.pdf is a Linux program/ }).waitFor());
  assert.match(await bob.locator("#f_report-error").innerText(), /"Test report" accepts a PDF or plain text/);
  assert.match(await bob.getByRole("alert").first().innerText(), /Nothing was recorded/);
  // and everything else the person typed is still there
  assert.equal(await bob.getByLabel("I confirm all critical tests passed").isChecked(), true);
  assert.equal(await bob.getByLabel("Risk level").inputValue(), "low");
  assert.equal(await bob.getByLabel("Comment").inputValue(), "Regression suite green");
  await shot(bob, "upload-refused");
  // axe needs scripts: check the same page in a context that runs them
  const viewer = await person(browser, hp);
  await viewer.goto("/login");
  await viewer.setContent(await bob.content());
  await checkA11y(viewer, "refused upload");
  await viewer.context().close();
  let st = await hp.api("GET", `/api/v1/releases/${rel.id}`);
  assert.equal(st.json.phases[0].activities.find((a) => a.name === "qa-signoff").status, "on_hold");
  const real = path.join(dir, "test-report.pdf");
  writeFileSync(real, makePdf("All 412 tests passed"));
  await bob.getByLabel("Test report: choose a file").setInputFiles(real);
  await bob.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(bob.getByText("approved and the release moves on").waitFor());
  assert.match(await bob.getByRole("status").first().innerText(), /with test-report\.pdf/);
  st = await hp.api("GET", `/api/v1/releases/${rel.id}`);
  assert.equal(st.json.phases[0].status, "completed");
  const ev = await hp.api("GET", `/api/v1/activities/${rel.acts["qa-signoff"]}/evidence`);
  assert.deepEqual(ev.json.evidence.map((e) => e.name), ["test-report.pdf"]);
  await bob.context().close();
});

test("with JavaScript a file uploads as soon as it is chosen, with a progress bar, and a refusal shows at once", async () => {
  const rel = await releaseAtQa("ledger-js");
  const bob = await person(browser, hp);
  await signIn(bob, "bob");
  await bob.goto(`/activities/${rel.acts["qa-signoff"]}`);
  const dir = uploadDir();
  const fake = path.join(dir, "report.pdf");
  writeFileSync(fake, readFileSync("/bin/true"));
  await bob.getByLabel("Test report: choose a file").setInputFiles(fake);
  await assert.doesNotReject(bob.locator("#f_report-error").filter({ hasText: /report\.pdf is a Linux program/ }).waitFor());
  // a big real PDF, so that the progress bar has something to show
  const real = path.join(dir, "full-report.pdf");
  writeFileSync(real, Buffer.concat([makePdf("All 412 tests passed"), Buffer.alloc(8 * 1024 * 1024, 0x20)]));
  // watch the bar: shown while the file goes up, its value rising, hidden when it is done
  await bob.locator("#f_report-files progress").evaluate((bar) => {
    window.hpBar = { shown: false, max: 0, done: false };
    new MutationObserver(() => {
      if (!bar.hidden) { window.hpBar.shown = true; }
      window.hpBar.max = Math.max(window.hpBar.max, bar.value);
      if (bar.hidden && window.hpBar.shown) { window.hpBar.done = true; }
    }).observe(bar, { attributes: true });
  });
  await bob.getByLabel("Test report: choose a file").setInputFiles(real);
  await bob.waitForFunction(() => window.hpBar.done);
  const bar = await bob.evaluate(() => window.hpBar);
  assert.equal(bar.shown, true);
  assert.ok(bar.max > 0, `the bar never moved: ${JSON.stringify(bar)}`);
  await assert.doesNotReject(bob.locator("#f_report-files ul.files").getByRole("link", { name: "full-report.pdf" }).waitFor());
  assert.match(await bob.locator("#f_report-files .upload-status").innerText(), /Uploaded full-report\.pdf/);
  assert.equal(await bob.locator("#f_report-error").innerText(), "");
  await shot(bob, "upload-progress");
  await checkA11y(bob, "uploaded on choose");
  // the file is recorded already; the decision sends the fields and no file again
  await bob.getByLabel("I confirm all critical tests passed").check();
  await bob.getByLabel("Risk level").selectOption("low");
  await bob.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(bob.getByText("approved and the release moves on").waitFor());
  const ev = await hp.api("GET", `/api/v1/activities/${rel.acts["qa-signoff"]}/evidence`);
  assert.deepEqual(ev.json.evidence.map((e) => e.name), ["full-report.pdf"]);
  await bob.context().close();
});

test("a second approver rejects with a comment; the release manager sees the failed phase and retries", async () => {
  const rel = await releaseAtQa("billing");
  // QA passes through the pages of the previous journey in a real run; here the pipeline reports it
  const bob = await person(browser, hp);
  await signIn(bob, "bob");
  await bob.goto(`/activities/${rel.acts["qa-signoff"]}`);
  bob.on("dialog", (d) => d.accept());
  await bob.getByLabel("Comment").fill("Crash on the payment page");
  await bob.getByRole("button", { name: "Reject" }).click();
  await assert.doesNotReject(bob.getByText("Your rejection is recorded").waitFor());
  const alice = await person(browser, hp);
  await signIn(alice, "alice");
  await alice.getByRole("link", { name: "Releases" }).click();
  await alice.getByRole("link", { name: "billing" }).first().click();
  const text = await alice.locator("main").innerText();
  assert.match(text, /Failed/);
  await shot(alice, "release-failed");
  await checkA11y(alice, "failed release");
  // Retry asks first: saying no changes nothing
  let asked = null;
  alice.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
  await alice.getByRole("button", { name: /Retry/ }).first().click();
  assert.match(asked || "", /^Retry qa-signoff\?/);
  const still = await hp.api("GET", `/api/v1/releases/${rel.id}`);
  assert.equal(still.json.phases[0].activities.find((a) => a.name === "qa-signoff").round, 1);
  alice.on("dialog", (d) => d.accept());
  await alice.getByRole("button", { name: /Retry/ }).first().click();
  await assert.doesNotReject(alice.getByText(/round 2|Retry/i).first().waitFor());
  const st = await hp.api("GET", `/api/v1/releases/${rel.id}`);
  const qa = st.json.phases[0].activities.find((a) => a.name === "qa-signoff");
  assert.equal(qa.status, "on_hold");
  assert.equal(qa.round, 2);
  await bob.context().close();
  await alice.context().close();
});

test("a user who may not approve sees no Approve button, and a forged POST is refused", async () => {
  const rel = await releaseAtQa("forgery");
  const carol = await person(browser, hp);                 // an SRE approver, not in QA
  await signIn(carol, "carol");
  await carol.goto(`/activities/${rel.acts["qa-signoff"]}`);
  await carol.getByRole("heading", { name: "qa-signoff" }).waitFor();
  assert.equal(await carol.getByRole("button", { name: "Approve" }).count(), 0);
  await checkA11y(carol, "activity without rights");
  const forged = await carol.request.post(`/activities/${rel.acts["qa-signoff"]}/decision`, {
    form: { decision: "reject", comment: "forged" }, headers: { Origin: hp.url } });
  assert.equal(forged.status(), 403);                       // no CSRF token
  const forged2 = await carol.request.post(`/activities/${rel.acts["qa-signoff"]}/decision`, {
    form: { decision: "reject", comment: "forged", csrf: "0".repeat(64) }, headers: { Origin: "http://evil.example" } });
  assert.equal(forged2.status(), 403);
  const st = await hp.api("GET", `/api/v1/releases/${rel.id}`);
  assert.equal(st.json.phases[0].activities.find((a) => a.name === "qa-signoff").status, "on_hold");
  await carol.context().close();
});
