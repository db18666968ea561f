/**
 * The dashboard in a real browser (headless Debian Chromium driven by playwright-core): the page
 * loads under its strict CSP with no script errors, a request sent through the proxy shows up
 * live, and denials, per-agent and per-route counts (routes by host and path), the audit chain
 * head and the config tables render; times are UTC, the request table filters by agent, route and
 * decision and links each row to its read-only audit record, and the denials chart has axes — with no credential, agent token or attestation anywhere in the page. Skips, saying why,
 * when /usr/bin/chromium is absent (.ci/run installs it, so CI never skips).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";
import { skipUnless } from "../helpers/skip.js";

const CHROMIUM = "/usr/bin/chromium";
const skip = skipUnless(
  existsSync(CHROMIUM),
  `${CHROMIUM} is not installed (apt-get install -y chromium); the browser test needs it`,
);
const WAIT = { timeout: 15_000 };

describe("the dashboard in headless Chromium", { skip }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    h = await startHarness({ dashboard: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox"],
      timeout: 30_000,
    });
    page = await browser.newPage();
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    await page.goto(`http://127.0.0.1:${h.dashboardPort}/`, WAIT);
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await h?.stop();
  });

  it("shows a request live, then denials, counts, the chain head and the config", async () => {
    await page.locator("#recent tbody", { hasText: "no requests yet" }).waitFor(WAIT);
    const ok = await h.attested({ path: "/v1/browser" });
    assert.equal(ok.status, 200);
    const release = await h.waitForAudit((r) => r.type === "release");
    const allowId = release["requestId"] as string;
    const allowRow = page.locator(`#recent tr[data-request-id="${allowId}"]`);
    await allowRow.waitFor(WAIT);
    assert.equal(await allowRow.getAttribute("data-decision"), "allow");
    assert.match(await allowRow.innerText(), new RegExp(API_HOST.replace(/\./g, "\\.")));

    const denied = await h.request({ path: "/v1/x" });
    const denyId = await h.expectDenied(denied, 403, "ERR_ATTESTATION_MISSING");
    await page
      .locator(`#recent tr[data-request-id="${denyId}"][data-decision="deny"]`)
      .waitFor(WAIT);
    await page.locator("#denials tbody", { hasText: "ERR_ATTESTATION_MISSING" }).waitFor(WAIT);
    const agentRow = page.locator("#agents tbody tr", { hasText: h.agent.name });
    await agentRow.waitFor(WAIT);
    assert.deepEqual((await agentRow.locator("td").allInnerTexts()).slice(1), ["1", "1", "0"]);
    await page.locator("#routes tbody tr", { hasText: `${API_HOST}/v1/*` }).waitFor(WAIT);
    assert.equal(
      await allowRow.locator("td.route").innerText(),
      `${API_HOST}/v1/*`,
      "routes are labelled by host and path",
    );
    assert.equal(await allowRow.locator("td.route").getAttribute("title"), release["route"]);
    await page.locator("#backend-latency tbody tr", { hasText: "demo-env" }).waitFor(WAIT);

    const head = (await page.locator("#audit-head").innerText()).trim();
    assert.match(head, /^[0-9a-f]{64}$/);
    assert.ok(
      (await h.readAudit()).some((r) => r.hash === head),
      "head is a record's hash",
    );

    const routes = await page.locator("#cfg-routes tbody").innerText();
    assert.match(routes, /\/v1\/\*/);
    assert.match(routes, /header:Authorization/);
    assert.doesNotMatch(routes, /Bearer \{value\}/, "the injection template is not shown");
    await page.locator("#cfg-agents tbody tr", { hasText: h.agent.id }).waitFor(WAIT);
    await page.locator("#cfg-backends tbody tr", { hasText: "demo-env" }).waitFor(WAIT);
    const anchors = await page.locator("#cfg-anchors tbody").innerText();
    assert.match(anchors, /sha256:[0-9a-f]{64}/);
    assert.ok((await page.locator("#denial-chart .bar").count()) === 60);
    assert.equal(await page.locator("#chart-y-max").innerText(), "1");
    assert.match(await page.locator("#chart-x-end").innerText(), /^\d\d:\d\d UTC$/);
    assert.match(await page.locator("#chart-x-start").innerText(), /^\d\d:\d\d$/);
  });

  it("shows every time in UTC, labelled", async () => {
    assert.match(
      await page.locator("#summary").innerText(),
      /up since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    assert.match(
      await page.locator("#status").innerText(),
      /^updated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
    );
    assert.equal(await page.locator("#recent thead th").first().innerText(), "time (UTC)");
    assert.match(await page.locator("#cfg-agents tbody td").nth(2).innerText(), / UTC$/);
  });

  it("filters the request table by decision, agent and route", async () => {
    const rows = page.locator("#recent tbody tr");
    await page.selectOption("#filter-decision", "deny");
    await page
      .locator('#recent tbody tr[data-decision="allow"]')
      .first()
      .waitFor({ state: "detached", ...WAIT });
    assert.ok((await rows.count()) >= 1);
    for (const d of await rows.evaluateAll((trs) =>
      trs.map((tr) => tr.getAttribute("data-decision")),
    ))
      assert.equal(d, "deny");
    await page.selectOption("#filter-decision", "allow");
    await page
      .locator('#recent tbody tr[data-decision="deny"]')
      .first()
      .waitFor({ state: "detached", ...WAIT });
    await page.selectOption("#filter-agent", h.agent.name);
    const route = (await h.readAudit()).find((r) => r.type === "release")!["route"] as string;
    await page.selectOption("#filter-route", route);
    assert.ok((await rows.count()) >= 1);
    assert.match(
      await page.locator("#recent-count").innerText(),
      /^showing \d+ of \d+ matching \(\d+ kept\)$/,
    );
    await page.selectOption("#filter-decision", "error");
    await page
      .locator("#recent tbody", { hasText: "no request matches the filters" })
      .waitFor(WAIT);
    for (const id of ["#filter-decision", "#filter-agent", "#filter-route"])
      await page.selectOption(id, "");
  });

  it("links each request to its audit record, shown read-only at /audit/<seq>", async () => {
    const release = (await h.readAudit()).find((r) => r.type === "release")!;
    const link = page.locator(
      `#recent tr[data-request-id="${release["requestId"] as string}"] td.seq a`,
    );
    await link.waitFor(WAIT);
    assert.equal(await link.innerText(), String(release.seq));
    await Promise.all([page.waitForURL(`**/audit/${release.seq}`, WAIT), link.click()]);
    const table = await page.locator("#record").innerText();
    assert.match(table, new RegExp(`requestId\\s+${release["requestId"] as string}`));
    assert.match(table, new RegExp(`hash\\s+${release.hash}`));
    await page.goBack(WAIT);
    await page.locator("#recent tbody tr").first().waitFor(WAIT);
  });

  it("holds no credential, token or attestation, and ran without script or CSP errors", async () => {
    const html = await page.content();
    const text = await page.locator("body").innerText();
    for (const secret of [h.canary, h.agent.token, ...h.minted]) {
      assert.ok(!html.includes(secret) && !text.includes(secret), "a secret reached the page");
    }
    assert.deepEqual(problems, []);
  });
});
