// windows.test.mjs — an administrator sets a change window and a freeze; an approval waits, Scheduled,
// for the window, then needs the emergency approver.  The server's clock is moved by the test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

const GATE = `apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: office-hours
description: QA, then production inside office hours.
phases:
  - name: qa
    activities:
      - name: tests
        type: automated
  - name: production
    activities:
      - name: go-live
        type: approval
        approvers:
          rules: [{team: sre, min: 1}]
`;

let hp, browser, clockDir, clockFile;
/** The server's clock reads iso (UTC) from now on. */
function setClock(iso) {
  writeFileSync(clockFile + ".tmp", String(Date.parse(iso + "Z") - Date.now()));
  renameSync(clockFile + ".tmp", clockFile);
}
async function poll(fn, what) {
  for (let i = 0; i < 400; i++) { if (await fn()) return; await new Promise((r) => setTimeout(r, 50)); }
  assert.fail("timed out waiting for " + what);
}

before(async () => {
  clockDir = mkdtempSync(path.join(tmpdir(), "holdpoint-clock-"));
  clockFile = path.join(clockDir, "offset-ms");
  setClock("2026-12-12T12:00");                           // a Saturday
  hp = await new Holdpoint().start({ HOLDPOINT_CLOCK_FILE: clockFile });
  browser = await launch();
  writeFileSync(path.join(hp.data, "office-hours.yaml"), GATE);
  hp.cli("template", "import", path.join(hp.data, "office-hours.yaml"));
});
after(async () => { await close(browser); hp?.stop(); rmSync(clockDir, { recursive: true, force: true }); });

test("an administrator adds a window and a freeze; the go-live waits for Monday, then needs the emergency approver", async () => {
  const admin = await person(browser, hp);
  await signIn(admin, "admin");
  await admin.goto("/admin");
  await admin.getByRole("link", { name: "Windows and freezes", exact: true }).click();
  await assert.doesNotReject(admin.getByText("No change window").waitFor());
  // a window, with a typo first: the message is next to the field, what was typed stays
  const win = admin.locator("#add-window");
  await win.getByLabel("one environment").check();
  await win.getByLabel("Template or environment").fill("production");
  await win.getByLabel("Days and hours").fill("mon-fry 09:00-16:00");
  await win.getByLabel("Time zone").selectOption("Europe/Berlin");
  await win.getByRole("button", { name: "Add window" }).click();
  await assert.doesNotReject(admin.locator("#w-spec-error").getByText("A range of days ends with a day").waitFor());
  await admin.locator("#add-window").getByLabel("Days and hours").fill("mon-fri 09:00-16:00");
  await admin.locator("#add-window").getByLabel("Label (optional)").fill("office hours");
  await admin.locator("#add-window").getByRole("button", { name: "Add window" }).click();
  await assert.doesNotReject(admin.getByText("The window was added").waitFor());
  // a freeze over the same days
  const frz = admin.locator("#add-freeze");
  await frz.getByLabel("one environment").check();
  await frz.getByLabel("Template or environment").fill("production");
  await frz.getByLabel("From").fill("2026-12-12T00:00");
  await frz.getByLabel("Until").fill("2026-12-31T00:00");
  await frz.getByLabel("In the time zone").selectOption("Europe/Berlin");
  await frz.getByLabel("Reason").fill("Year-end freeze: emergency fixes only");
  await frz.getByLabel("a person (username)").check();
  await frz.getByLabel("Approver (username, team or role name)").fill("admin");
  await frz.getByRole("button", { name: "Add freeze" }).click();
  await assert.doesNotReject(admin.getByText("The freeze was added").waitFor());
  await assert.doesNotReject(admin.getByRole("cell", { name: "Year-end freeze: emergency fixes only" }).waitFor());

  // a release reaches production on a Saturday: the go-live is Scheduled
  const r = await hp.api("POST", "/api/v1/releases", { template: "office-hours", name: "web-shop", version: "9" });
  assert.equal(r.status, 201);
  const acts = r.json.phases.flatMap((p) => p.activities);
  const goLive = acts.find((a) => a.name === "go-live").id;
  assert.equal((await hp.api("POST", `/api/v1/activities/${acts.find((a) => a.name === "tests").id}/result`,
                             { result: "pass" })).status, 200);
  await admin.goto("/admin/windows");
  await assert.doesNotReject(admin.getByRole("link", { name: "go-live" }).waitFor());
  await checkA11y(admin, "change windows and freezes");
  await shot(admin, "windows");

  const carol = await person(browser, hp);
  await signIn(carol, "carol");
  await carol.goto(`/activities/${goLive}`);
  await assert.doesNotReject(carol.locator("#scheduled").getByText("2026-12-14 08:00").waitFor());
  await assert.doesNotReject(carol.locator("#scheduled").getByText("mon-fri 09:00-16:00 Europe/Berlin (office hours)").waitFor());
  assert.equal(await carol.getByRole("button", { name: "Approve" }).count(), 0);
  await checkA11y(carol, "a scheduled activity");
  await shot(carol, "scheduled");
  await carol.goto(`/releases/${r.json.id}`);
  await assert.doesNotReject(carol.getByText("starts 2026-12-14 08:00 UTC, when its change window opens").waitFor());
  await checkA11y(carol, "a release with a scheduled activity");
  await shot(carol, "release-scheduled");

  // Monday 09:00 in Berlin: the window opens, the freeze is in force
  setClock("2026-12-14T08:00");
  await poll(async () => (await hp.api("GET", `/api/v1/activities/${goLive}`)).json.status === "on_hold", "the window");
  await signIn(carol, "carol");
  await carol.goto(`/activities/${goLive}`);
  await assert.doesNotReject(carol.locator("#freeze").getByText("Year-end freeze: emergency fixes only").waitFor());
  await assert.doesNotReject(carol.getByText("Emergency rule (freeze)").waitFor());
  await checkA11y(carol, "an approval in a freeze");
  await shot(carol, "freeze");
  await carol.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(carol.getByText("Your approval is recorded. 1 more approval is needed.").first().waitFor());
  assert.equal((await hp.api("GET", `/api/v1/activities/${goLive}`)).json.status, "on_hold");
  await signIn(admin, "admin");
  await admin.goto(`/activities/${goLive}`);
  await admin.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(admin.getByText("approved and the release moves on").waitFor());
  assert.equal((await hp.api("GET", `/api/v1/activities/${goLive}`)).json.status, "completed");
});
