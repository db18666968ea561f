/**
 * 1,000 tunnels open at once, each carrying one attested request: every one is answered 200, the
 * upstream sees each exactly once with the credential, and the audit chain that recorded 2,000
 * records under that load verifies. The proxy runs in its own process, as in production. Sizes itself down (with a diagnostic) under a low `ulimit -n`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openKeepAliveTunnel, type KeepAliveTunnel } from "../helpers/agent-client.js";
import { fdHeadroom } from "../helpers/fd-budget.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { startProxyChild, type ProxyChild } from "../helpers/proxy-child.js";
import { percentile } from "../helpers/slow-peer.js";

const WANTED = 1000;
/** In one process: agent socket, proxy's accepted socket, and a share of the upstream pool. */
const FDS_PER_TUNNEL = 3;
const TIMEOUT_MS = 60_000;
const PACED_IN_FLIGHT = 100;

describe("1,000 concurrent tunnels", { timeout: 180_000 }, () => {
  let h: Harness;
  let proxy: ProxyChild;
  const count = Math.min(WANTED, Math.floor((fdHeadroom() - 600) / FDS_PER_TUNNEL));
  before(async () => {
    // Tunnels wait for their first request until all are open: allow that wait (default 15 s).
    h = await startHarness({
      // One agent sends all 2,000 requests: lift its rate limit (this measures capacity).
      proxy: {
        max_tunnels_per_agent: WANTED,
        header_timeout_ms: 120_000,
        rate_limit: { requests_per_second: 100_000, burst: 100_000 },
      },
    });
    // Its own process, as in production: the agents and the upstream here do not share its CPU.
    proxy = await startProxyChild(h);
  });
  after(async () => {
    await proxy?.stop();
    await h?.stop();
  });

  it("answers every request on 1,000 tunnels held open at once, and the audit chain verifies", async (t) => {
    if (count < WANTED) {
      t.diagnostic(
        `ulimit -n too low for ${WANTED} tunnels: running ${count} (raise it to run all)`,
      );
    }
    assert.ok(count >= 100, `only ${count} tunnels fit in the file-descriptor limit`);
    const seenBefore = h.upstream.requests.length;
    const auditBefore = (await h.readAudit()).length;
    const started = performance.now();
    let expected = 0;
    const tunnels: KeepAliveTunnel[] = [];
    try {
      const opened = await inBatches(count, PACED_IN_FLIGHT, () =>
        openKeepAliveTunnel(h.tunnel({ proxyPort: proxy.port, timeoutMs: TIMEOUT_MS })),
      );
      for (const o of opened) if (o.status === "fulfilled") tunnels.push(o.value);
      assert.equal(tunnels.length, count, "every CONNECT and TLS handshake succeeded");
      const openMs = performance.now() - started;

      const paced = await requestAll(tunnels, PACED_IN_FLIGHT);
      assert.deepEqual(
        paced.statuses.filter((s) => s !== 200),
        [],
        "every request answered 200",
      );
      t.diagnostic(
        `${count} tunnels open at once (opened in ${Math.round(openMs)} ms); one request each, ` +
          `${PACED_IN_FLIGHT} in flight: ${summary(paced)}`,
      );
      // Every request at the same moment overloads a small machine: what must hold is that the
      // overload fails closed (504 at the 5 s deadline), never anything else.
      const burst = await requestAll(tunnels, count);
      const other = burst.statuses.filter((s) => s !== 200 && s !== 504);
      if (other.length > 0) {
        const errors = (await h.readAudit()).map((r) => r["error"] ?? r["code"]).filter(Boolean);
        assert.fail(
          `under overload, not only 200 or 504: ${other.join(",")} (${errors.join(",")})`,
        );
      }
      const late = burst.statuses.filter((s) => s === 504).length;
      t.diagnostic(`all ${count} at once: ${summary(burst)}; ${late} answered 504 (deadline)`);
      expected = 2 * count - late;
    } finally {
      for (const tunnel of tunnels) tunnel.close();
    }

    const seen = h.upstream.requests.slice(seenBefore);
    assert.ok(seen.length >= expected, "every request answered 200 reached the upstream");
    assert.equal(new Set(seen.map((r) => r.url)).size, seen.length, "each forwarded once");
    assert.ok(seen.every((r) => r.headers.authorization === `Bearer ${h.canary}`));
    const records = (await h.readAudit()).slice(auditBefore);
    const outcomes = records.filter((r) => r.type === "outcome");
    assert.equal(outcomes.filter((r) => r["status"] === 200).length, expected);
    const verified = await verifyAuditDir(h.home.auditDir);
    assert.equal(verified.ok, true);
  });

  /** One attested request on each tunnel, at most `inFlight` at a time. */
  async function requestAll(tunnels: KeepAliveTunnel[], inFlight: number) {
    const started = performance.now();
    const latencies: number[] = [];
    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < tunnels.length; i = next++) {
        const path = `/v1/load/${randomUUID()}`;
        const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
        const begun = performance.now();
        const res = await tunnels[i]!.request({
          path,
          headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
        });
        latencies.push(performance.now() - begun);
        statuses.push(res.status);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return { statuses, latencies, ms: performance.now() - started };
  }
});

function summary(run: { latencies: number[]; ms: number }): string {
  const ms = (p: number) => Math.round(percentile(run.latencies, p));
  return `${Math.round(run.ms)} ms in all, p50 ${ms(50)} ms, p99 ${ms(99)} ms`;
}

/** Runs `task` `count` times with at most `inFlight` running; settles like Promise.allSettled. */
async function inBatches<T>(count: number, inFlight: number, task: () => Promise<T>) {
  const out: PromiseSettledResult<T>[] = [];
  let started = 0;
  const worker = async () => {
    while (started++ < count) {
      out.push(
        await task().then(
          (value) => ({ status: "fulfilled" as const, value }),
          (reason: unknown) => ({ status: "rejected" as const, reason }),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return out;
}
