/**
 * The dashboard's activity memory: a bounded ring of recent requests (newest first), denials per
 * code in per-minute buckets that age out after an hour, counts per agent and route, and latency
 * statistics — driven by an injected clock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createActivity, DENIAL_MINUTES } from "../../src/dashboard/activity.js";
import { PROBE_AGENT_ID } from "../../src/probe/names.js";
import { makeSummary as summary, T0 } from "../helpers/request-summary.js";

describe("dashboard activity", () => {
  it("keeps only the last N requests, newest first", () => {
    const a = createActivity({ nowMs: () => T0, capacity: 3 });
    for (let i = 0; i < 5; i++) a.observer.request(summary({ requestId: `r${i}` }));
    const s = a.snapshot();
    assert.deepEqual(
      s.recent.map((r) => r.requestId),
      ["r4", "r3", "r2"],
    );
    assert.equal(s.totals.allow, 5);
    assert.equal(s.recent[0]!.ms, 1.3);
    assert.equal(s.recent[0]!.time, new Date(T0).toISOString());
  });

  it("ignores the built-in probe's requests (doctor --probe)", () => {
    const a = createActivity({ nowMs: () => T0 });
    a.observer.request(summary({ requestId: "probe", agentId: PROBE_AGENT_ID }));
    a.observer.request(summary({ requestId: "real" }));
    const s = a.snapshot();
    assert.deepEqual(
      s.recent.map((r) => r.requestId),
      ["real"],
    );
    assert.equal(s.totals.allow, 1);
    assert.ok(!s.agents.some((x) => x.id === PROBE_AGENT_ID));
  });

  it("buckets denials per minute by code, and drops buckets older than an hour", () => {
    let now = T0;
    const a = createActivity({ nowMs: () => now });
    const deny = (code: string, time: number) =>
      a.observer.request(summary({ decision: "deny", code, status: 403, time }));
    deny("ERR_NO_ROUTE", T0 - 30 * 60_000);
    deny("ERR_NO_ROUTE", T0);
    deny("ERR_NO_ROUTE", T0 + 10_000);
    deny("ERR_ATTESTATION_MISSING", T0 + 20_000);
    a.observer.request(summary({ decision: "error", code: "ERR_UPSTREAM_FAILED", status: 502 }));
    let s = a.snapshot();
    assert.equal(s.denialsPerMinute.length, DENIAL_MINUTES);
    assert.equal(s.denialsPerMinute.at(-1)!.minute, new Date(T0).toISOString());
    assert.deepEqual(s.denialsPerMinute.at(-1)!.counts, {
      ERR_NO_ROUTE: 2,
      ERR_ATTESTATION_MISSING: 1,
    });
    assert.deepEqual(s.denialsPerMinute.at(-31)!.counts, { ERR_NO_ROUTE: 1 });
    assert.deepEqual(s.denialsByCode, { ERR_NO_ROUTE: 3, ERR_ATTESTATION_MISSING: 1 });
    now = T0 + 45 * 60_000; // the 11:30 bucket is now more than an hour old
    deny("ERR_NO_ROUTE", now);
    s = a.snapshot();
    const total = s.denialsPerMinute.reduce(
      (n, m) => n + Object.values(m.counts).reduce((x, y) => x + y, 0),
      0,
    );
    assert.equal(total, 4, "11:30 aged out; 12:00 (3) and 12:45 (1) remain");
  });

  it("counts per agent (unauthenticated under an empty id) and per route", () => {
    const a = createActivity({ nowMs: () => T0 });
    a.observer.request(summary({}));
    a.observer.request(summary({ decision: "deny", code: "ERR_ATTESTATION_MISSING" }));
    a.observer.request(summary({ route: "rt_2", decision: "error", code: "ERR_UPSTREAM_FAILED" }));
    const { agentId, agentName, route, ...anon } = summary({});
    void [agentId, agentName, route];
    a.observer.request({ ...anon, decision: "deny", code: "ERR_AGENT_UNAUTHENTICATED" });
    const s = a.snapshot();
    assert.deepEqual(s.agents, [
      { id: "agt_a", name: "agent-a", allow: 1, deny: 1, error: 1 },
      { id: "", name: "", allow: 0, deny: 1, error: 0 },
    ]);
    assert.deepEqual(s.routes, [
      { id: "rt_1", allow: 1, deny: 1, error: 0 },
      { id: "rt_2", allow: 0, deny: 0, error: 1 },
    ]);
  });

  it("reports backend and audit-write latency statistics", () => {
    const a = createActivity({ nowMs: () => T0 });
    for (const ms of [1, 2, 3, 4, 100]) {
      a.observer.request(summary({ backend: "env", phases: { backend: ms, total: ms } }));
    }
    a.observer.auditWrite(0.5, 3);
    a.observer.auditWrite(1.5, 1);
    a.observer.tunnelOpened();
    a.observer.tunnelOpened();
    a.observer.tunnelClosed();
    const s = a.snapshot();
    assert.deepEqual(s.backends, [
      { name: "env", count: 5, avgMs: 22, p50Ms: 3, p95Ms: 100, maxMs: 100 },
    ]);
    assert.deepEqual(s.auditWrites, {
      count: 2,
      avgMs: 1,
      p50Ms: 1.5,
      p95Ms: 1.5,
      maxMs: 1.5,
      records: 4,
    });
    assert.deepEqual(s.tunnels, { open: 1, opened: 2 });
  });
});
