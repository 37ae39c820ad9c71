// audit.test.mjs — an auditor opens a release's approvals log and downloads the CSV and the PDF.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Holdpoint, launch, close, person, signIn, checkA11y, shot } from "../lib.mjs";

let hp, browser;
before(async () => { hp = await new Holdpoint().start(); browser = await launch(); });
after(async () => { await close(browser); hp?.stop(); });

/** Split one RFC 4180 CSV text into rows of cells. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { row.push(cell); cell = ""; }
    else if (ch === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += ch;
  }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test("an auditor opens the approvals log and downloads valid CSV and PDF files", async () => {
  const erin = await person(browser, hp);
  await signIn(erin, "erin");
  await erin.getByRole("link", { name: "Releases", exact: true }).click();
  await erin.getByRole("link", { name: "checkout-service" }).last().click();     // 2.3.0, completed
  await erin.getByRole("link", { name: /Approvals log/ }).first().click();
  await assert.doesNotReject(erin.getByText("Carol Reliability").first().waitFor());
  await checkA11y(erin, "approvals log");
  await shot(erin, "approvals-log");

  const [csvDl] = await Promise.all([erin.waitForEvent("download"),
    erin.getByRole("link", { name: "Audit records (CSV)" }).click()]);
  const csvPath = await csvDl.path();
  const rows = parseCsv(readFileSync(csvPath, "utf8"));
  assert.ok(rows.length > 5, "the CSV has records");
  const width = rows[0].length;
  assert.ok(rows.every((r) => r.length === width), "every CSV row has as many cells as the header");
  assert.ok(rows[0].includes("action"));
  assert.ok(rows.some((r) => r.includes("decision.approve")));

  const [pdfDl] = await Promise.all([erin.waitForEvent("download"),
    erin.getByRole("link", { name: "PDF report" }).click()]);
  const pdfPath = await pdfDl.path();
  assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), "%PDF-");
  const text = execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" });
  assert.match(text, /checkout-service/);
  assert.match(text, /Carol Reliability/);
  execFileSync("pdfinfo", [pdfPath]);                      // throws if the PDF is broken
  await erin.context().close();
});

test("the audit trail can be filtered by action", async () => {
  const erin = await person(browser, hp);
  await signIn(erin, "erin");
  await erin.getByRole("link", { name: "Audit", exact: true }).click();
  await erin.getByLabel("Action").fill("auth.login");
  await erin.getByRole("button", { name: /Filter|Apply|Search/ }).click();
  const text = await erin.locator("main").innerText();
  assert.match(text, /auth\.login/);
  assert.doesNotMatch(text, /decision\.approve/);
  await erin.context().close();
});

test("on a phone the audit trail and the approvals log stack each record, with every value labelled", async () => {
  const erin = await person(browser, hp, { width: 390, height: 844 });
  await signIn(erin, "erin");
  for (const [url, table] of [["/audit", "table.audit"], ["/releases/1/approvals", "table.votes"]]) {
    await erin.goto(url);
    const look = await erin.locator(table).first().evaluate((t) => {
      const td = t.querySelector("tbody td"), th = t.querySelector("thead");
      const r = th.getBoundingClientRect();
      return { cell: getComputedStyle(td).display, row: getComputedStyle(td.parentNode).display,
               label: getComputedStyle(td, "::before").content, headerArea: r.width * r.height,
               overflow: document.documentElement.scrollWidth - window.innerWidth };
    });
    assert.equal(look.cell, "block", `${url}: cells stack`);
    assert.equal(look.row, "block", `${url}: rows are cards`);
    assert.match(look.label, /Time/, `${url}: each value has its column's name`);
    assert.ok(look.headerArea <= 1, `${url}: the header row is out of sight (it stays for screen readers)`);
    assert.ok(look.overflow <= 0, `${url}: nothing runs off the screen (${look.overflow} px)`);
    await checkA11y(erin, `${url} at 390 px`);
  }
  // the filters sit two to a row, so the first record is on the first screen
  await erin.goto("/audit");
  const first = await erin.locator("table.audit tbody tr").first().boundingBox();
  assert.ok(first.y < 844, `the first record starts at ${first.y} px`);
  await shot(erin, "audit-phone");
  // at desktop width it is a table again
  const wide = await person(browser, hp, { width: 1280 });
  await signIn(wide, "erin");
  await wide.goto("/audit");
  assert.equal(await wide.locator("table.audit tbody td").first().evaluate((td) => getComputedStyle(td).display), "table-cell");
  await wide.context().close();
  await erin.context().close();
});
