/**
 * Prometheus metrics from observer events: counters by decision and code, phase and backend
 * histograms in seconds, audit fsync latency, the open-tunnel gauge, the chain head, and process
 * metrics — read back by parsing the exposition text, as a scraper would.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetrics, FSYNC_BUCKETS, PHASE_BUCKETS } from "../../src/observe/metrics.js";
import { fanOut, guardObserver, type ProxyObserver } from "../../src/observe/observer.js";
import { makeSummary as summary } from "../helpers/request-summary.js";
import { parseExposition } from "../helpers/prom-text.js";

const P = "sigil_vault_";

describe("metrics", () => {
  it("counts requests by decision and code, and observes each phase in seconds", async () => {
    let head: { seq: number; hash: string } | null = null;
    const m = createMetrics({ auditHead: () => head });
    m.observer.request(
      summary({
        backend: "env-a",
        phases: { auth: 0.2, attestation: 0.8, backend: 3, upstream: 40, total: 45 },
      }),
    );
    m.observer.request(summary({ decision: "allow", phases: { total: 2 } }));
    m.observer.request(summary({ decision: "deny", code: "ERR_NO_ROUTE", status: 403 }));
    m.observer.request(
      summary({ decision: "deny", code: "ERR_NO_ROUTE", status: 403, phases: {} }),
    );
    m.observer.request(summary({ decision: "error", code: "ERR_UPSTREAM_FAILED", status: 502 }));
    head = { seq: 41, hash: "a".repeat(64) };
    const { contentType, body } = await m.scrape();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const x = parseExposition(body);
    const cases: [Record<string, string>, number][] = [
      [{ decision: "allow", code: "none" }, 2],
      [{ decision: "deny", code: "ERR_NO_ROUTE" }, 2],
      [{ decision: "error", code: "ERR_UPSTREAM_FAILED" }, 1],
    ];
    for (const [labels, n] of cases) assert.equal(x.value(`${P}requests_total`, labels), n);
    assert.equal(x.types.get(`${P}request_phase_seconds`), "histogram");
    const phase = `${P}request_phase_seconds`;
    assert.equal(x.value(`${phase}_count`, { phase: "total" }), 4, "untimed refusal not observed");
    assert.equal(x.value(`${phase}_count`, { phase: "backend" }), 1);
    assert.equal(x.value(`${phase}_sum`, { phase: "upstream" }), 0.04);
    assert.equal(x.value(`${phase}_bucket`, { phase: "auth", le: "0.0005" }), 1);
    assert.equal(x.value(`${phase}_bucket`, { phase: "upstream", le: "0.025" }), 0);
    assert.equal(x.value(`${phase}_bucket`, { phase: "upstream", le: "0.05" }), 1);
    const les = x.samples
      .filter((s) => s.name === `${phase}_bucket` && s.labels["phase"] === "total")
      .map((s) => s.labels["le"]);
    assert.deepEqual(les, [...PHASE_BUCKETS.map(String), "+Inf"]);
    assert.equal(x.value(`${P}backend_fetch_seconds_count`, { backend: "env-a" }), 1);
    assert.equal(x.value(`${P}audit_chain_seq`), 41);
  });

  it("tracks open tunnels, audit fsync latency and durable records", async () => {
    const m = createMetrics({ auditHead: () => null });
    m.observer.tunnelOpened();
    m.observer.tunnelOpened();
    m.observer.tunnelClosed();
    m.observer.auditWrite(0.3, 2);
    m.observer.auditWrite(7, 5);
    const x = parseExposition((await m.scrape()).body);
    assert.equal(x.value(`${P}tunnels_open`), 1);
    assert.equal(x.value(`${P}tunnels_opened_total`), 2);
    assert.equal(x.value(`${P}audit_fsync_seconds_count`), 2);
    assert.equal(x.value(`${P}audit_fsync_seconds_bucket`, { le: "0.0005" }), 1);
    assert.equal(x.value(`${P}audit_fsync_seconds_bucket`, { le: "0.01" }), 2);
    assert.equal(x.value(`${P}audit_records_total`), 7);
    assert.equal(x.value(`${P}audit_chain_seq`), -1);
    const les = x.samples.filter((s) => s.name === `${P}audit_fsync_seconds_bucket`);
    assert.equal(les.length, FSYNC_BUCKETS.length + 1);
  });

  it("includes process metrics, every name prefixed, and registries do not share counts", async () => {
    const a = createMetrics({ auditHead: () => null });
    const b = createMetrics({ auditHead: () => null });
    a.observer.request(summary({}));
    const xa = parseExposition((await a.scrape()).body);
    const xb = parseExposition((await b.scrape()).body);
    assert.ok(xa.value(`${P}process_resident_memory_bytes`)! > 0);
    assert.ok(xa.types.has(`${P}nodejs_eventloop_lag_seconds`));
    assert.ok(xa.samples.every((s) => s.name.startsWith(P)));
    assert.equal(xa.value(`${P}requests_total`, { decision: "allow" }), 1);
    assert.equal(xb.value(`${P}requests_total`, { decision: "allow" }), undefined);
  });
});

describe("observer plumbing", () => {
  it("a throwing observer is swallowed and logged once, by error type only", () => {
    const logs: string[] = [];
    const boom: ProxyObserver = {
      request() {
        throw new TypeError("secret-looking detail");
      },
      tunnelOpened() {
        throw new Error("x");
      },
      tunnelClosed() {},
      auditWrite() {},
    };
    const guarded = guardObserver(boom, {
      log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
    });
    assert.doesNotThrow(() => guarded.request(summary({})));
    assert.doesNotThrow(() => guarded.tunnelOpened());
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /"errorType":"TypeError"/);
    assert.doesNotMatch(logs[0]!, /secret-looking/);
  });

  it("fanOut delivers every event to every observer in order", () => {
    const seen: string[] = [];
    const rec = (tag: string): ProxyObserver => ({
      request: (s) => seen.push(`${tag}:request:${s.requestId}`),
      tunnelOpened: () => seen.push(`${tag}:open`),
      tunnelClosed: () => seen.push(`${tag}:close`),
      auditWrite: (ms, n) => seen.push(`${tag}:audit:${ms}:${n}`),
    });
    const both = fanOut([rec("a"), rec("b")]);
    both.request(summary({ requestId: "q" }));
    both.tunnelOpened();
    both.tunnelClosed();
    both.auditWrite(1, 2);
    assert.deepEqual(seen, [
      "a:request:q",
      "b:request:q",
      "a:open",
      "b:open",
      "a:close",
      "b:close",
      "a:audit:1:2",
      "b:audit:1:2",
    ]);
  });
});
