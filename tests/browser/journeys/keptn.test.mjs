// keptn.test.mjs — a Keptn sequence asks Holdpoint for an approval: the approver sees where it came
// from, decides in Holdpoint, and is told the decision goes back to Keptn.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
let hp, browser;
before(async () => {
  hp = await new Holdpoint().start();
  hp.cli("template", "import", path.join(ROOT, "docs", "examples", "keptn-approval.yaml"));
  browser = await launch();
});
after(async () => { await close(browser); hp?.stop(); });

for (const width of [1280, 390]) {
  test(`an approver sees that Keptn asked, and approves for Keptn at ${width}px`, async () => {
    const service = `carts-${width}`, context = randomUUID();
    const r = await hp.api("POST", "/api/v1/keptn/event", {
      specversion: "1.0", type: "sh.keptn.event.approval.triggered", source: "shipyard-controller", id: randomUUID(),
      shkeptncontext: context, data: { project: "sockshop", stage: "production", service, result: "warning",
        approval: { pass: "manual", warning: "manual" } } });
    assert.equal(r.status, 201);
    const carol = await person(browser, hp, { width });
    await signIn(carol, "carol");
    await carol.goto(`/releases/${r.json.release}`);
    const note = await carol.getByRole("note").innerText();
    assert.match(note, new RegExp(`Keptn asked for this approval: its sequence for ${service}\\s+in project sockshop`));
    assert.match(note, /goes back to Keptn/);
    assert.match(note, new RegExp(context));
    await checkA11y(carol, `keptn release at ${width}px`);
    if (width === 1280) await shot(carol, "keptn-release");
    await carol.getByRole("link", { name: "keptn-approval" }).first().click();
    assert.match(await carol.locator(".instructions").innerText(), new RegExp(`Keptn's sequence for ${service} in project sockshop`));
    await carol.getByLabel("Comment").fill("Canary is healthy.");
    await carol.getByRole("button", { name: "Approve" }).click();
    await assert.doesNotReject(carol.getByText("approved and the release moves on").waitFor());
    await carol.context().close();
  });
}
