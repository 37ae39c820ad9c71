// insights.test.mjs — a release manager looks at where releases wait, and at the signals for a reviewer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
after(async () => { await close(browser); hp?.stop(); });

test("a release manager reads the insights, narrows them to a template, and downloads the signals", async () => {
  // an approval decided within seconds of being opened: a signal
  const r = await hp.api("POST", "/api/v1/releases", { template: "delivery", name: "insights-demo", version: "1",
                                                       variables: { image: "reg/app:1", version: "1" } });
  assert.equal(r.status, 201);
  const acts = r.json.phases.flatMap((p) => p.activities);
  await hp.api("POST", `/api/v1/activities/${acts.find((a) => a.name === "deploy-qa").id}/result`, { result: "pass" });
  const bob = await person(browser, hp);
  await signIn(bob, "bob");
  await bob.goto(`/activities/${acts.find((a) => a.name === "qa-signoff").id}`);
  await bob.getByLabel("I confirm all critical tests passed").check();
  await bob.getByLabel("Risk level").selectOption("low");
  await bob.locator('input[type="file"]').first().setInputFiles({ name: "report.txt", mimeType: "text/plain",
                                                                   buffer: Buffer.from("all passed\n") });
  await bob.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(bob.getByText("approved and the release moves on").waitFor());

  const alice = await person(browser, hp);
  await signIn(alice, "alice");
  await alice.getByRole("link", { name: "Insights" }).click();
  await assert.doesNotReject(alice.getByRole("heading", { name: "Where releases wait" }).waitFor());
  await assert.doesNotReject(alice.locator("svg.chart").waitFor());
  await assert.doesNotReject(alice.getByText("Decided within seconds").first().waitFor());
  await checkA11y(alice, "insights");
  await shot(alice, "insights");
  await alice.getByLabel("Template").selectOption("delivery");
  await alice.getByRole("button", { name: "Show" }).click();
  await assert.doesNotReject(alice.getByRole("cell", { name: "qa-signoff" }).first().waitFor());
  const download = alice.waitForEvent("download");
  await alice.getByRole("link", { name: "Download them as CSV" }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^holdpoint-signals-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  // a bad period is said next to its field, and nothing else is shown
  await alice.goto("/insights?from=2026-02-30");
  await assert.doesNotReject(alice.getByText("Enter the first day as YYYY-MM-DD").waitFor());
});
