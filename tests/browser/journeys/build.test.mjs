// build.test.mjs — an approval belongs to the build it was given for: a new build asks again, and says why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

const GATE = `apiVersion: holdpoint/v1
kind: ReleaseTemplate
name: build-gate
description: Tests and a QA sign-off, then going live.
phases:
  - name: qa
    activities:
      - name: tests
        type: automated
      - name: qa-signoff
        type: approval
        depends_on: [tests]
        approvers:
          rules: [{team: qa, min: 1}]
  - name: prod
    activities:
      - name: go-live
        type: approval
        approvers:
          rules: [{team: sre, min: 1}]
`;
const D1 = "sha256:" + "1".repeat(64), D2 = "sha256:" + "2".repeat(64);

let hp, browser;
before(async () => {
  hp = await new Holdpoint().start();
  browser = await launch();
  writeFileSync(path.join(hp.data, "build-gate.yaml"), GATE);
  hp.cli("template", "import", path.join(hp.data, "build-gate.yaml"));
});
after(async () => { await close(browser); hp?.stop(); });

test("QA signs off a build; the pipeline builds again; QA sees why it is asked again and signs off the new build", async () => {
  const created = await hp.api("POST", "/api/v1/releases", { template: "build-gate", name: "web-shop", version: "5",
                                                             artifact: `registry.example/web-shop@${D1}` });
  assert.equal(created.status, 201);
  const id = created.json.id;
  const acts = () => hp.api("GET", `/api/v1/releases/${id}`).then((r) => r.json.phases[0].activities);
  const byName = async (n) => (await acts()).find((a) => a.name === n);
  assert.equal((await hp.api("POST", `/api/v1/activities/${(await byName("tests")).id}/result`, { result: "pass" })).status, 200);
  const signoff = (await byName("qa-signoff")).id;
  const page = await person(browser, hp);
  await signIn(page, "bob");
  await page.goto(`/activities/${signoff}`);
  await assert.doesNotReject(page.getByText(D1).first().waitFor());
  await page.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(page.getByText("approved and the release moves on").waitFor());
  // the pipeline built the image again: a new digest
  const built = await hp.api("POST", `/api/v1/releases/${id}/build`, { digest: D2, artifact: `registry.example/web-shop@${D2}` });
  assert.equal(built.status, 200);
  assert.equal(built.json.restarted, true);
  assert.equal((await hp.api("POST", `/api/v1/activities/${(await byName("tests")).id}/result`, { result: "pass" })).status, 200);
  await page.goto(`/releases/${id}`);
  await assert.doesNotReject(page.locator("#new-build").getByText("New build").waitFor());
  await checkA11y(page, "a release with a new build");
  await page.goto(`/activities/${signoff}`);
  await assert.doesNotReject(page.locator("#new-build").getByText("A new build arrived").waitFor());
  await assert.doesNotReject(page.getByText("This activity requires your input").waitFor());
  await checkA11y(page, "an activity asked again for a new build");
  await shot(page, "new-build");
  await page.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(page.getByText("approved and the release moves on").waitFor());
  const gate = await hp.api("GET", `/api/v1/releases/${id}/verify?digest=${D2}`);
  assert.equal(gate.json.verified, false);               // go-live is still to be approved
  assert.deepEqual(gate.json.approvals.map((a) => [a.activity, a.covers]), [["qa-signoff", true], ["go-live", false]]);
  assert.equal((await hp.api("GET", `/api/v1/releases/${id}/verify?digest=${D1}`)).json.verified, false);
});
