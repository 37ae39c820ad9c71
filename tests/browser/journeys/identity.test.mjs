// identity.test.mjs — signing in and out, as a person does it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
after(async () => { await close(browser); hp?.stop(); });

test("the sign-in page is accessible at desktop and phone widths", async () => {
  for (const width of [1280, 375]) {
    const page = await person(browser, hp, { width });
    await page.goto("/");
    await assert.doesNotReject(page.getByRole("heading", { name: "Sign in to Holdpoint" }).waitFor());
    await checkA11y(page, `sign-in at ${width}px`);
    await shot(page, `login-${width}`);
    await page.context().close();
  }
});

test("a wrong password gets one clear message and keeps the username", async () => {
  const page = await person(browser, hp);
  await signIn(page, "carol", "not-the-password");
  await assert.doesNotReject(page.getByRole("alert").filter({ hasText: "do not match" }).waitFor());
  assert.equal(await page.getByLabel("Username").inputValue(), "carol");
  await page.context().close();
});

test("a person signs in, sees their name and roles, and signs out", async () => {
  const page = await person(browser, hp);
  await signIn(page, "carol");
  await assert.doesNotReject(page.getByRole("link", { name: "Carol Reliability" }).waitFor());
  await checkA11y(page, "inbox");
  await page.getByRole("button", { name: "Sign out" }).click();
  await assert.doesNotReject(page.getByText("You have signed out.").waitFor());
  await page.goto("/");
  assert.match(page.url(), /\/login/);
  await page.context().close();
});
