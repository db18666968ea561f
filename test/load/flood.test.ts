/**
 * One agent floods its tunnel with 20,000 pipelined unattested requests in one write. What must
 * hold (issue 10): another agent's attested request still completes quickly, the proxy's memory
 * stays bounded, the audit log grows by a bounded amount (refusals beyond a per-second threshold
 * are summarised), every refusal the flooding agent received is accounted for in the audit log,
 * and the chain verifies. Past its rate the agent is answered 429 and its tunnel closed, so the
 * rest of the write is never read. The proxy runs in its own process, measured alone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { listAuditFiles } from "../../src/audit/files.js";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, sleep, startHarness, type Harness } from "../helpers/harness.js";
import { startProxyChild, type ProxyChild } from "../helpers/proxy-child.js";
import { once } from "node:events";
import { stat } from "node:fs/promises";

const FLOOD = 20_000;
const MiB = 1024 * 1024;

describe("a flood of pipelined unattested requests from one agent", { timeout: 180_000 }, () => {
  let h: Harness;
  let other: { id: string; name: string; token: string };
  let proxy: ProxyChild;
  before(async () => {
    h = await startHarness();
    other = await h.addAgent("agent-b");
    proxy = await startProxyChild(h);
  });
  after(async () => {
    await proxy?.stop();
    await h?.stop();
  });

  it("does not delay another agent, bounds memory and audit growth, and accounts for every refusal", async (t) => {
    const auditBefore = await auditBytes(h);
    const recordsBefore = (await h.readAudit()).length;
    const statsBefore = await proxy.stats();
    const opened = await openTunnel(h.tunnel({ proxyPort: proxy.port }));
    assert.ok("tls" in opened, "CONNECT accepted");
    const counter = countResponses(opened.tls);
    const one = `GET /v1/flood HTTP/1.1\r\nHost: ${API_HOST}\r\n\r\n`;
    opened.tls.write(one.repeat(FLOOD));
    await counter.first;

    const url = h.url("/v1/other");
    const { attestation, intent } = h.attest({ method: "GET", url, agentName: other.name });
    const started = performance.now();
    const res = await h.request({
      proxyPort: proxy.port,
      token: other.token,
      path: "/v1/other",
      headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
    });
    const otherMs = performance.now() - started;
    const answeredWhenOtherDone = counter.total();
    assert.equal(res.status, 200, "the other agent's attested request is served");

    await counter.closed;
    const refused = counter.total();
    const statsAfter = await proxy.stats();
    const rssGrowth = statsAfter.maxRss - statsBefore.rss;
    // Summaries are written at the end of each one-second window.
    const accounted = await waitForAccounting(h, recordsBefore, refused);
    const auditGrowth = (await auditBytes(h)) - auditBefore;
    const verified = await verifyAuditDir(h.home.auditDir);

    t.diagnostic(
      `other agent: ${otherMs.toFixed(0)} ms (flood responses by then: ${answeredWhenOtherDone}); ` +
        `flooding agent: ${refused} of ${FLOOD} requests answered before its tunnel was closed; ` +
        `proxy RSS ${mib(statsBefore.rss)} → peak ${mib(statsAfter.maxRss)} MiB (+${mib(rssGrowth)}); ` +
        `audit log +${(auditGrowth / 1e6).toFixed(2)} MB; codes ${JSON.stringify(counter.codes)}; ` +
        `audit: ${accounted.individual} individual deny records, ${accounted.summaries} summaries`,
    );
    assert.equal(verified.ok, true, "the audit chain verifies");
    assert.ok(refused > 0 && refused < FLOOD, `${refused} answered: the tunnel was closed early`);
    assert.equal(counter.last, "ERR_RATE_LIMITED", "the last answer is the 429 that closed it");
    // The proxy may have parsed (and refused) more of the write than it answered before closing.
    assert.ok(accounted.total >= refused, `${accounted.total} refusals audited, ${refused} seen`);
    assert.ok(accounted.total <= FLOOD, `${accounted.total} refusals audited`);
    assert.equal(accounted.summarisedCodes, accounted.total - accounted.individual);
    assert.ok(otherMs < 200, `the other agent's request took ${otherMs.toFixed(0)} ms`);
    assert.ok(rssGrowth < 64 * MiB, `proxy RSS grew by ${mib(rssGrowth)} MiB`);
    assert.ok(auditGrowth < 1e6, `audit log grew by ${auditGrowth} bytes`);
  });
});

/** Counts the responses on a tunnel and their X-Sigil-Error codes without keeping the bytes. */
function countResponses(tls: TLSSocket) {
  const codes: Record<string, number> = {};
  let total = 0;
  let carry = "";
  const counter = {
    first: once(tls, "data"),
    closed: once(tls, "close"),
    codes,
    last: "",
    total: () => total,
  };
  tls.on("data", (chunk: Buffer) => {
    const text = carry + chunk.toString("latin1");
    const cut = text.lastIndexOf("\r\n");
    for (const m of text.slice(0, cut).matchAll(/HTTP\/1\.1 \d{3} |\r\nx-sigil-error: (\S+)/g)) {
      if (m[1] === undefined) {
        total++;
      } else {
        codes[m[1]] = (codes[m[1]] ?? 0) + 1;
        counter.last = m[1];
      }
    }
    carry = text.slice(cut);
  });
  return counter;
}

/** Individual `deny` records plus summarised counts for the flooding agent, once they add up. */
async function waitForAccounting(h: Harness, skip: number, want: number) {
  let result = { total: 0, individual: 0, summaries: 0, summarisedCodes: 0 };
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(200)) {
    const records = (await h.readAudit()).slice(skip);
    const mine = (r: Record<string, unknown>) =>
      (r["agent"] as { id?: string } | undefined)?.id === h.agent.id;
    const individual = records.filter((r) => r.type === "deny" && mine(r)).length;
    const summaries = records.filter((r) => r.type === "deny_summary" && mine(r));
    const summarised = summaries.reduce((n, r) => n + Number(r["count"]), 0);
    const summarisedCodes = summaries
      .flatMap((r) => Object.values(r["codes"] as Record<string, number>))
      .reduce((n, c) => n + c, 0);
    result = {
      total: individual + summarised,
      individual,
      summaries: summaries.length,
      summarisedCodes,
    };
    // Wait for the window's summary: it closes one second after the window opened.
    if (result.total >= want && summaries.length > 0) break;
  }
  return result;
}

async function auditBytes(h: Harness): Promise<number> {
  let total = 0;
  for (const f of await listAuditFiles(h.home.auditDir)) total += (await stat(f.path)).size;
  return total;
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(0);
}
