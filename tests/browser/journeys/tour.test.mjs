// tour.test.mjs — every page at desktop and phone widths: no serious accessibility violation,
// nothing wider than the screen, and a screenshot of each (build/screenshots, or docs/screenshots
// with `make screenshots`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
after(async () => { await close(browser); hp?.stop(); });

const WIDTHS = [1280, 375];

/** Visit a page by following links from the inbox, then check and photograph it. */
async function visit(page, name, width) {
  await page.waitForLoadState("domcontentloaded");
  await checkA11y(page, `${name} at ${width}px`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${name} is ${overflow}px wider than a ${width}px screen`);
  await shot(page, `tour-${name}-${width}`);
}

for (const width of WIDTHS) {
  test(`an administrator's pages at ${width}px`, async () => {
    const page = await person(browser, hp, { width });
    await signIn(page, "admin");
    await visit(page, "inbox-admin", width);
    await page.getByRole("link", { name: "Releases", exact: true }).click();
    await visit(page, "releases", width);
    await page.getByRole("link", { name: "checkout-service" }).first().click();
    await visit(page, "release", width);
    await page.getByRole("link", { name: "production", exact: true }).first().click();
    await visit(page, "phase", width);
    await page.getByRole("link", { name: "production-approval" }).first().click();
    await visit(page, "activity", width);
    await page.getByRole("link", { name: "Templates", exact: true }).click();
    await visit(page, "templates", width);
    await page.getByRole("link", { name: "delivery" }).first().click();
    await visit(page, "template", width);
    await page.getByRole("link", { name: "Admin", exact: true }).click();
    await visit(page, "admin", width);
    await page.goto("/admin/users");
    await visit(page, "admin-users", width);
    await page.getByRole("link", { name: "carol" }).first().click();
    await visit(page, "admin-user", width);
    await page.goto("/admin/teams");
    await visit(page, "admin-teams", width);
    await page.goto("/admin/groups");
    await visit(page, "admin-groups", width);
    await page.goto("/me/two-step");
    await visit(page, "two-step", width);
    await page.locator("header").getByRole("link", { name: "Ada Admin" }).click();
    await visit(page, "me", width);
    await page.goto("/me/delegation");
    await visit(page, "delegation", width);
    await page.getByRole("link", { name: /Notifications/ }).first().click();
    await visit(page, "notifications", width);
    await page.goto("/me/notifications");
    await visit(page, "notification-preferences", width);
    await page.goto("/admin/notifications");
    await visit(page, "admin-notifications", width);
    await page.context().close();
  });

  test(`an auditor's pages at ${width}px`, async () => {
    const page = await person(browser, hp, { width });
    await signIn(page, "erin");
    await visit(page, "inbox-auditor", width);
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    await visit(page, "audit", width);
    await page.getByRole("link", { name: "Insights", exact: true }).click();
    await visit(page, "insights", width);
    await page.goto("/releases");
    await page.getByRole("link", { name: "payments-api" }).first().click();
    await page.getByRole("link", { name: /Approvals log/ }).first().click();
    await visit(page, "approvals-log", width);
    await page.context().close();
  });
}

test("error pages look like the product", async () => {
  const page = await person(browser, hp);
  await signIn(page, "carol");
  const r = await page.goto("/releases/99999");
  assert.equal(r.status(), 404);
  await visit(page, "error-404", 1280);
  // an address that is no page at all keeps the navigation and the person too
  const r2 = await page.goto("/no-such-page");
  assert.equal(r2.status(), 404);
  await assert.doesNotReject(page.locator("header").getByRole("link", { name: "Releases", exact: true }).waitFor());
  await assert.doesNotReject(page.locator("header").getByText("Carol Reliability").waitFor());
  await visit(page, "error-404-unknown", 1280);
  await page.context().close();
});

test("dark mode follows the system setting and stays readable", async () => {
  const page = await person(browser, hp, { colorScheme: "dark" });
  await signIn(page, "carol");
  const dark = async () => page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 60;
  });
  assert.ok(await dark(), "the inbox is not dark");
  await visit(page, "dark-inbox", 1280);
  await page.getByRole("link", { name: "Releases", exact: true }).click();
  await page.getByRole("link", { name: "checkout-service" }).first().click();
  await visit(page, "dark-release", 1280);
  await page.getByRole("link", { name: "production-approval" }).first().click();
  assert.ok(await dark(), "the activity page is not dark");
  await visit(page, "dark-activity", 1280);
  await page.context().close();
});
