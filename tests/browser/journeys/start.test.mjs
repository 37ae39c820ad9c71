// start.test.mjs — a release manager starts a release from the browser: chooses a template,
// reads what it will run, is told what is missing, fills it in and lands on the new release.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
after(async () => { await close(browser); hp?.stop(); });

for (const width of [1280, 390]) {
  test(`a release manager starts a release from the browser at ${width}px`, async () => {
    const alice = await person(browser, hp, { width });
    await signIn(alice, "alice");
    await alice.getByRole("link", { name: "Releases", exact: true }).click();
    await alice.getByRole("link", { name: "Start a release" }).click();
    await alice.getByLabel("Template").selectOption("delivery");
    await alice.getByRole("button", { name: "Continue" }).click();
    // what it will run, in plain words, beside the form
    const outline = await alice.locator("section.outline").innerText();
    assert.match(outline, /Phase 1: qa/);
    assert.match(outline, /Approved by 1 of team sre and majority of team product/);
    await checkA11y(alice, `start form at ${width}px`);
    const overflow = await alice.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the form is ${overflow}px wider than the screen`);
    await shot(alice, `start-release-${width}`);
    // forgetting a variable: told next to the field, nothing started, what was typed kept
    const name = `storefront-${width}`;
    await alice.getByLabel("Name").fill(name);
    await alice.getByLabel(/^Version/).fill("5.0.0");
    await alice.getByLabel("Variable “version”").fill("5.0.0");
    await alice.getByRole("button", { name: "Start the release" }).click();
    await assert.doesNotReject(alice.getByText("The release was not started").waitFor());
    assert.equal(await alice.getByLabel("Name").inputValue(), name);
    const err = await alice.locator("#var_image-error").innerText();
    assert.match(err, /required/);
    await checkA11y(alice, `start form with errors at ${width}px`);
    await alice.getByLabel("Variable “image”").fill("registry.example/storefront");
    await alice.getByRole("button", { name: "Start the release" }).click();
    await assert.doesNotReject(alice.getByText(`The release ${name} 5.0.0 has started.`).waitFor());
    const main = await alice.locator("main").innerText();
    assert.match(main, /qa-signoff|deploy-qa/);
    const list = await hp.api("GET", "/api/v1/releases?page=1");
    assert.ok(list.json.releases.some((r) => r.name === name), "the API knows the new release");
    await alice.context().close();
  });
}
