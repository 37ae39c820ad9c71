// time.test.mjs — people's time: the zone of their browser at sign-in, their own choice on
// their page, a deadline that counts down while the page is open, and timelines that say
// where each vote left the quorum.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
after(async () => { await close(browser); hp?.stop(); });

test("a person in Tokyo sees Tokyo time, chooses Berlin on their page, and sees Berlin time", async () => {
  const erin = await person(browser, hp, { timezoneId: "Asia/Tokyo" });
  await signIn(erin, "erin");
  await erin.goto("/releases/1");
  assert.match(await erin.locator("main").innerText(), /\(\d{4}-\d\d-\d\d \d\d:\d\d JST\)/);
  await erin.getByRole("link", { name: "Erin Auditor" }).click();
  const tz = erin.locator("#time-zone");
  assert.match(await tz.innerText(), /show times in Asia\/Tokyo/);
  assert.match(await tz.innerText(), /This browser says: Asia\/Tokyo/);
  assert.equal(await erin.getByLabel("Time zone", { exact: true }).inputValue(), "Asia/Tokyo");
  await checkA11y(erin, "time zone form");
  await erin.getByLabel("Time zone", { exact: true }).selectOption("Europe/Berlin");
  await erin.getByRole("button", { name: "Save time zone" }).click();
  await assert.doesNotReject(erin.getByText("Times are now shown in Europe/Berlin.").waitFor());
  await erin.goto("/releases/1");
  assert.match(await erin.locator("main").innerText(), /\(\d{4}-\d\d-\d\d \d\d:\d\d CET\)/);
  await erin.context().close();
  // at phone width the form is as usable
  const small = await person(browser, hp, { width: 390, timezoneId: "Asia/Tokyo" });
  await signIn(small, "erin");
  await small.goto("/me");
  assert.equal(await small.getByLabel("Time zone", { exact: true }).inputValue(), "Europe/Berlin");   // the choice outlives the browser's zone
  await checkA11y(small, "time zone form at 390 px");
  await small.context().close();
});

test("a deadline counts down while the page is open, and the timeline says where a vote left the quorum", async () => {
  const carol = await person(browser, hp, { timezoneId: "UTC" });
  await carol.clock.install();
  await signIn(carol, "carol");
  await carol.getByRole("link", { name: "production-approval" }).first().click();
  const left = carol.locator("dd time[data-deadline]");
  const before = await left.innerText();
  assert.match(before, /^in \d+ h \d+ min$/);
  await carol.clock.runFor(2 * 3600 * 1000);                  // two hours later, without a reload
  const after = await left.innerText();
  const minutes = (s) => { const m = s.match(/(\d+) h (\d+) min/); return +m[1] * 60 + +m[2]; };
  assert.ok(minutes(before) - minutes(after) >= 119 && minutes(before) - minutes(after) <= 121,
            `${before} then ${after}`);
  await carol.clock.resume();
  await carol.getByLabel("Password").fill("holdpoint-demo");
  await carol.getByRole("button", { name: "Approve" }).click();
  await assert.doesNotReject(carol.getByText("Your approval is recorded").waitFor());
  const history = await carol.locator("ol.timeline").innerText();
  assert.match(history, /Carol Reliability approved production-approval — 1 of 2 needed/);
  await shot(carol, "timeline-quorum");
  await checkA11y(carol, "activity after a vote");
  await carol.context().close();
});
