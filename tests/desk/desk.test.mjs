// The screening desk in a real headless Chromium: `interdict serve` on
// 127.0.0.1 (a free port it picks and prints) over a temporary copy of
// rules/trade-screening plus two hostile records, driven by playwright-core
// (no browser download: Debian's /usr/bin/chromium, or $CHROMIUM).
//
//   INTERDICT=target/debug/interdict npm test      (from tests/desk, after npm ci)
//
// Screenshots of every view go to docs/desk/ (or $DESK_SCREENSHOTS).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const binary = path.resolve(root, process.env.INTERDICT ||
  path.join(process.env.CARGO_TARGET_DIR || "target", "debug", "interdict"));
const shots = path.resolve(root, process.env.DESK_SCREENSHOTS || "docs/desk");
const wide = { width: 1280, height: 900 };

// Record names a page must show as text, never run.
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = "<script>window.__pwned=2</script>";

let dir, server, base, browser, page;
const pageErrors = [];
const consoleLines = [];

before(async () => {
  assert.ok(fs.existsSync(binary), `no interdict binary at ${binary} (cargo build, or set INTERDICT)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "interdict-desk-"));
  fs.cpSync(path.join(root, "rules/trade-screening"), path.join(dir, "rules"), { recursive: true });
  fs.writeFileSync(path.join(dir, "hostile.jsonl"),
    JSON.stringify({ id: "p-xss", type: "person", name: IMG, nationality: "KR", contacts: [] }) + "\n" +
    JSON.stringify({ id: "v-xss", type: "venue", name: SCRIPT, kind: "store", city: "Dandong", operator: "p-xss" }) + "\n");
  const records = fs.readdirSync(path.join(dir, "rules/records")).filter((f) => /\.jsonl?$/.test(f))
    .map((f) => path.join("rules/records", f));
  server = spawn(binary, ["serve", "rules", ...records, "hostile.jsonl", "--as-of", "2023-06-01", "--listen", "127.0.0.1:0"],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  base = await listening(server);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-gpu"],
  });
  page = await browser.newPage({ viewport: wide });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => consoleLines.push(m.type() + ": " + m.text()));
  page.on("requestfailed", (r) => consoleLines.push("request failed: " + r.url() + " " + (r.failure() || {}).errorText));
  page.on("dialog", (d) => { pageErrors.push("dialog: " + d.message()); d.dismiss(); });
  fs.mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// The address `serve` prints on stderr when it is ready (at most 60 s).
function listening(child) {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error("serve did not start: " + err)), 60000);
    child.stderr.on("data", (chunk) => {
      err += chunk;
      // The whole address: stderr may arrive cut anywhere.
      const m = /on (http:\/\/[0-9.:]+) \(rules/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
}

// Opens a view and waits until the page says it has drawn it.
async function open(hash) {
  await page.goto(base + "/" + hash);
  await rendered(hash);
}

async function rendered(hash, on = page) {
  try {
    // Polled on a timer: animation frames can stall in a loaded headless browser.
    await on.waitForFunction((h) => document.body.dataset.rendered === h, hash, { timeout: 20000, polling: 100 });
  } catch (e) {
    const state = await on.evaluate(() => [location.href, document.body.dataset.rendered, document.body.innerText.slice(0, 300)])
      .catch((err) => String(err));
    throw new Error(`${hash} not drawn: ${e.message}; page: ${JSON.stringify(state)}; console: ${JSON.stringify(consoleLines.slice(-10))}; errors: ${JSON.stringify(pageErrors)}`);
  }
}

async function shot(name) {
  await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
}

test("looking up a denied record shows its decision, rule and chain of records", async () => {
  await open("#/records");
  // Completion: by name, chosen with the keyboard.
  await page.locator("#lookup").pressSequentially("pyongyang h");
  const option = page.locator("#lookup-list [role=option]", { hasText: "v-02" });
  await option.waitFor();
  const options = await page.locator("#lookup-list [role=option]").allTextContents();
  const index = options.findIndex((o) => o.includes("v-02"));
  for (let i = 0; i <= index; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await rendered("#/records/v-02");

  const heading = await page.locator("article.record h1").textContent();
  assert.match(heading, /DENY/);
  assert.match(heading, /v-02/);
  assert.match(heading, /Pyongyang House/);
  const fired = page.locator("section.rule.fired", { hasText: "marriage_link" });
  assert.match(await fired.locator("h4").textContent(),
    /Venue run by a Chinese national married to a South Korean national/);
  assert.match(await fired.locator(".meta").textContent(), /deny · severity high · .*venues\.rules:8:1/);
  // The chain venue → operator → spouse, each a link to its record.
  const links = await fired.locator("a.rec").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  for (const id of ["v-02", "p-030", "p-008"]) assert.ok(links.includes("#/records/" + id), `${id} in ${links}`);
  assert.match(await fired.textContent(), /operator/);
  assert.match(await fired.textContent(), /spouse/);
  // Why not: venue_ban did not fire, with the first false part.
  const quiet = page.locator("section.rule.not_fired", { hasText: "venue_ban" });
  assert.match(await quiet.textContent(), /did not fire/);
  assert.match(await quiet.locator(".holds.no").first().textContent(), /false/);
  await shot("record");
});

test("a linked record opens by click, and the back button returns", async () => {
  await open("#/records/v-02");
  await page.locator("section.rule.fired a.rec", { hasText: "p-030" }).first().click();
  await rendered("#/records/p-030");
  assert.match(await page.locator("article.record h1").textContent(), /p-030/);
  assert.match(await page.locator("article.record h1").textContent(), /Chen Hao/);
  await page.goBack();
  await rendered("#/records/v-02");
  assert.match(await page.locator("article.record h1").textContent(), /v-02/);
  await page.goForward();
  await rendered("#/records/p-030");
});

test("a denied purchase shows the records whose verdicts it read as a tree", async () => {
  await open("#/records/pu-009");
  assert.match(await page.locator("article.record h1").textContent(), /DENY/);
  assert.match(await page.locator("section.rule.fired").first().textContent(), /Purchase of a banned product/);
  const tree = page.locator("ul.tree").first();
  assert.match(await tree.textContent(), /g-01/);
  assert.match(await tree.textContent(), /middleman_import/);
  // An application reads its applicant's verdict, which read others'.
  await open("#/records/ap-03");
  assert.ok(await page.locator("ul.tree ul.tree a.rec").count() > 0, "a tree two levels deep");
  await page.locator("ul.tree ul.tree a.rec").first().click();
  await page.waitForFunction(() => /^#\/records\/./.test(document.body.dataset.rendered) && document.body.dataset.rendered !== "#/records/ap-03", null, { polling: 100 });
  await page.goBack();
  await rendered("#/records/ap-03");
  await shot("record-tree");
});

test("a waived rule shows the exemption that waived it and its evidence", async () => {
  await open("#/records/vi-001");
  assert.match(await page.locator("article.record h1").textContent(), /ALLOW/);
  const waived = page.locator("section.rule.waived", { hasText: "banned_visit" });
  const exemption = waived.locator(".exemption");
  assert.match(await exemption.locator("h5").textContent(), /Waived by cadre_visits — Senior cadres may visit banned venues/);
  assert.match(await exemption.textContent(), /rank.*“senior-cadre” == “senior-cadre”/s);
  assert.ok(await exemption.locator('a.rec[href="#/records/p-003"]').count() > 0);
  await shot("record-waived");
});

test("screening a pasted record shows its verdict and evidence", async () => {
  await open("#/screen");
  await page.locator("#records-text").fill(
    '{"id":"x-900","type":"purchase","buyer":"p-001","product":"g-01","date":"2023-05-01"}');
  await page.getByRole("button", { name: "Screen" }).click();
  await rendered("#/screen/1");
  const results = page.locator("section.results");
  assert.match(await results.locator("h2").textContent(), /1 record\(s\): 1 deny/);
  assert.match(await results.textContent(), /Purchase of a banned product/);
  assert.ok(await results.locator('a.rec[href="#/records/g-01"]').count() > 0);
  await shot("screen");
});

test("screening CSV reads it with the rule set's declarations", async () => {
  await open("#/screen");
  await page.locator("#records-text").fill("id,buyer,product,date\nx-901,p-001,g-01,2023-05-01\nx-902,p-001,g-05,2023-05-01\n");
  await page.locator("#format").selectOption("csv");
  await page.locator("#csv-type").fill("purchase");
  await page.getByRole("button", { name: "Screen" }).click();
  await rendered("#/screen/2");
  assert.match(await page.locator("section.results h2").textContent(), /2 record\(s\): 1 deny, 0 flag, 1 allow/);
  // The first batch is still at its address.
  await page.goBack();
  await page.goBack();
  await rendered("#/screen/1");
  assert.match(await page.locator("section.results h2").textContent(), /1 record\(s\)/);
});

test("hostile record names render as text and run nothing", async () => {
  await open("#/records/v-xss");
  const heading = await page.locator("article.record h1").textContent();
  assert.ok(heading.includes(SCRIPT), heading);
  const chain = await page.locator("section.rule.fired").first().textContent();
  assert.ok(chain.includes(IMG), chain);
  await open("#/records");
  await page.locator("#lookup").pressSequentially("<img");
  await page.locator("#lookup-list [role=option]", { hasText: "p-xss" }).waitFor();
  assert.ok((await page.locator("#lookup-list").textContent()).includes(IMG));
  // Nothing ran, nothing was made of the markup.
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator("img, script:not([src])").count(), 0);
  assert.deepEqual(pageErrors, []);
});

test("status shows the rule set, decisions and fires by rule as a chart", async () => {
  await open("#/status");
  const facts = await page.locator("dl.facts").textContent();
  assert.match(facts, /Stored records472/);
  const outcomes = await page.locator("ul.outcomes").textContent();
  assert.match(outcomes, /DENY \d+/);
  const bars = await page.locator("svg.chart g.bar").count();
  // One bar per rule of the set, fired or not.
  const rules = await page.evaluate(async () => (await (await fetch("/v1/status")).json()).rules_fired.length);
  assert.equal(bars, rules);
  assert.equal(rules, 18);
  assert.match(await page.locator("svg.chart g.bar text").first().textContent(), /indirect_contact|banned_purchase/);
  await shot("status");
});

test("a reload of a changed rule file lists the changed records by rule", async () => {
  const venues = path.join(dir, "rules/venues.rules");
  const text = fs.readFileSync(venues, "utf8");
  fs.writeFileSync(venues, text.replace("deny venue v when south_korean(v.operator)", "flag venue v when south_korean(v.operator)"));
  await open("#/changes");
  await page.getByRole("button", { name: "Reload the rules now" }).click();
  await page.locator("#reload-state", { hasText: "Reloaded" }).waitFor();
  const groups = page.locator("section.group.change");
  const visits = groups.filter({ hasText: "banned_visit stops firing" });
  assert.match(await visits.locator("h2").textContent(), /banned_visit stops firing on 18 record\(s\) \(12 deny → allow\)/);
  // Each change opens to its verdict before and after.
  const first = visits.locator("ul.changes > li").first();
  await first.locator("summary").click();
  assert.match(await first.locator(".before-after").textContent(), /Before.*Visit to a banned venue.*After/s);
  // The venues whose rule turned from deny to flag: same rule, new decision.
  const others = groups.filter({ hasText: "Decision changed, same rules" });
  assert.match(await others.textContent(), /v-01/);
  await shot("changes");
  // The address of the review survives a reload of the page.
  await open("#/changes");
  assert.ok(await page.locator("section.group.change").count() >= 4);
});

test("a refused reload shows its diagnostics; the old rules keep serving", async () => {
  const venues = path.join(dir, "rules/venues.rules");
  const good = fs.readFileSync(venues, "utf8");
  fs.appendFileSync(venues, "\nrule broken {\n");
  await open("#/changes");
  await page.getByRole("button", { name: "Reload the rules now" }).click();
  const problem = page.locator("#reload-state .problem");
  await problem.waitFor();
  assert.match(await problem.textContent(), /rules_refused/);
  assert.match(await problem.textContent(), /rule `broken` is not closed/);
  await open("#/status");
  assert.match(await page.locator("section.problem").textContent(), /rule `broken` is not closed.*venues\.rules/s);
  await shot("status-refused");
  fs.writeFileSync(venues, good);
});

test("the page works on a narrow window and by keyboard alone", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open("#/records/v-02");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
  await shot("record-narrow");
  // Tab reaches the navigation; Enter follows a link.
  await page.setViewportSize(wide);
  await open("#/records");
  await page.keyboard.press("Shift+Tab");
  let focused = "";
  for (let i = 0; i < 12 && focused !== "Status"; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement.textContent.trim());
  }
  assert.equal(focused, "Status");
  await page.keyboard.press("Enter");
  await rendered("#/status");
});

test("a slow answer for a page the user left does not draw over the page they went on to", async () => {
  // The record's explanation is held back until the status page is drawn.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const route = "**/v1/records/*/explain";
  await page.route(route, async (r) => { await held; await r.continue(); });
  try {
    await open("#/status");
    const answered = page.waitForResponse((r) => r.url().includes("/explain"));
    await page.evaluate(() => { location.hash = "#/records/g-01"; });
    await page.locator("main").getByText("Loading g-01").waitFor();
    await page.evaluate(() => { delete document.body.dataset.rendered; location.hash = "#/status"; });
    await rendered("#/status");
    release();
    await answered;
    // The record view's drawing would follow its answer within a task or two.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    assert.equal(await page.locator("article.record").count(), 0);
    assert.equal(await page.locator("dl.facts").count(), 1);
    assert.match(await page.title(), /^Status/);
  } finally {
    release();
    await page.unroute(route);
  }
});

test("with --token-file the page asks for the token and keeps it for the tab", async () => {
  fs.writeFileSync(path.join(dir, "token"), "s3cret-desk-token\n");
  const guarded = spawn(binary, ["serve", "rules", "rules/records/goods.jsonl", "--as-of", "2023-06-01",
    "--listen", "127.0.0.1:0", "--token-file", "token"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  try {
    const address = await listening(guarded);
    const tab = await browser.newPage({ viewport: wide });
    await tab.goto(address + "/#/status");
    await rendered("#/status", tab);
    // The refusal is drawn once its render is done: until then the first
    // form is still there, and typing into it would race its replacement.
    await tab.evaluate(() => { delete document.body.dataset.rendered; });
    await tab.locator("#token").fill("wrong");
    await tab.locator("#token").press("Enter");
    await rendered("#/status", tab);
    // Refused again: the form is back, nothing drawn.
    await tab.locator("#token").waitFor();
    assert.equal(await tab.locator("dl.facts").count(), 0);
    await tab.locator("#token").fill("s3cret-desk-token");
    await tab.locator("#token").press("Enter");
    await tab.locator("dl.facts").waitFor();
    assert.match(await tab.locator("dl.facts").textContent(), /Stored records60/);
    // Kept for the tab: another view needs no second asking.
    await tab.goto(address + "/#/records/g-01");
    await tab.locator("article.record h1").waitFor();
    assert.match(await tab.locator("article.record h1").textContent(), /g-01/);
    await tab.close();
  } finally {
    guarded.kill("SIGTERM");
  }
});
