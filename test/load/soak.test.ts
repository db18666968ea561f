/**
 * Leak soak: after a warm-up, thousands of requests mixing allowed, refused, aborted and timed-out
 * ones must leave the proxy (in its own process, measured after GC) where it started: the same
 * descriptors and active handles, heap within 10 %, nothing in flight, no listener-leak warning.
 */
import assert from "node:assert/strict";
import { generateAgentToken } from "../../src/agents.js";
import { after, before, describe, it } from "node:test";
import { agentRequest, openKeepAliveTunnel, openTunnel } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";
import { startProxyChild, type ProxyChild } from "../helpers/proxy-child.js";
import type { ProxyStats } from "../helpers/proxy-process.js";
import { closedWithin, dribble } from "../helpers/slow-peer.js";

const WARMUP = 300;
/** Requests per round (two rounds). */
const REQUESTS = 1500;
const RUN_MS = 12_000;
const IN_FLIGHT = 20;
/** Requests per kept-alive tunnel: most requests reuse a tunnel, as SDKs do. */
const KEPT_ALIVE = 20;
const DEADLINE_MS = 1500;
/** A generous per-entry size for the memory replay store (a Map of id → expiry). */
const REPLAY_ID_BYTES = 256;

describe("leak soak", { timeout: 120_000 }, () => {
  let h: Harness;
  let proxy: ProxyChild;
  before(async () => {
    // One agent sends every request of the soak: lift its rate limit (this looks for leaks).
    h = await startHarness({
      proxy: {
        deadline_ms: DEADLINE_MS,
        header_timeout_ms: 1000,
        rate_limit: {
          requests_per_second: 100_000,
          burst: 100_000,
          deny_records_per_second: 100_000,
        },
      },
    });
    proxy = await startProxyChild(h);
  });
  after(async () => {
    await proxy?.stop();
    await h?.stop();
  });

  /** One task of each kind, in turn; each checks its own answers and counts as one request. */
  const kinds: Record<string, () => Promise<void>> = {
    allowed: async () => expectStatus(await attested("/v1/soak"), 200),
    "allowed, kept alive": async () => {
      const tunnel = await openKeepAliveTunnel(h.tunnel({ proxyPort: proxy.port }));
      try {
        for (let i = 0; i < KEPT_ALIVE; i++) {
          const path = `/v1/ka/${i}`;
          const res = await tunnel.request({ path, headers: headersFor("GET", path) });
          expectStatus(res, 200);
        }
      } finally {
        tunnel.close();
      }
    },
    "no attestation": async () =>
      expectStatus(
        await agentRequest({ ...h.tunnel({ proxyPort: proxy.port }), path: "/v1/x" }),
        403,
      ),
    "unknown token": async () =>
      expectStatus(
        await agentRequest({ ...h.tunnel({ proxyPort: proxy.port }), token: generateAgentToken() }),
        407,
      ),
    "CONNECT to an uncovered host": async () =>
      expectStatus(
        await agentRequest({ ...h.tunnel({ proxyPort: proxy.port }), host: "elsewhere.test" }),
        403,
      ),
    "deadline exceeded": async () => expectStatus(await attested("/slow-head?ms=2500"), 504),
    "agent aborts mid-stream": async () => {
      const opened = await openTunnel(h.tunnel({ proxyPort: proxy.port }));
      assert.ok("tls" in opened);
      const path = "/stream?ms=20&chunks=50";
      opened.tls.write(rawHead("GET", path));
      await new Promise((resolve) => opened.tls.once("data", resolve));
      opened.tls.destroy();
    },
    "upstream body cut": async () => expectStatus(await attested("/status/500"), 500),
  };
  const slowloris = async () => {
    const opened = await openTunnel(h.tunnel({ proxyPort: proxy.port }));
    assert.ok("tls" in opened);
    opened.tls.write(`GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n`);
    dribble(opened.tls, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 100);
    assert.match((await closedWithin(opened.tls, 5000)).received, /^HTTP\/1\.1 408 /);
  };

  it("returns to its baseline of descriptors, handles and heap after thousands of mixed requests", async (t) => {
    await run(WARMUP, 10_000);
    const baseline = await settled(undefined);
    const started = Date.now();
    let done = await run(REQUESTS, RUN_MS);
    const first = await settled(baseline);
    // A second round tells warm-up (code, caches) from a leak: it must not grow the heap again.
    done += await run(REQUESTS, RUN_MS);
    const runMs = Date.now() - started;
    const end = await settled(baseline);
    const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
    t.diagnostic(
      `${done} requests in ${runMs} ms; fds ${baseline.fds} → ${end.fds}; ` +
        `heap ${mib(baseline.heapUsed)} → ${mib(first.heapUsed)} → ${mib(end.heapUsed)} MiB ` +
        `(${pct(baseline.heapUsed, first.heapUsed)}, then ${pct(first.heapUsed, end.heapUsed)}); ` +
        `replay ids ${baseline.replayIds} → ${end.replayIds}; rss ${mib(baseline.rss)} → ${mib(end.rss)} MiB; handles ${JSON.stringify(baseline.resources)} → ${JSON.stringify(end.resources)}`,
    );
    assert.ok(done >= 1500, `only ${done} requests ran`);
    assert.equal(end.inflight, 0);
    assert.ok(end.fds <= baseline.fds + 2, `fds ${baseline.fds} → ${end.fds}`);
    for (const kind of ["TCPSocketWrap", "TLSWrap", "Timeout"]) {
      const [a, b] = [baseline.resources[kind] ?? 0, end.resources[kind] ?? 0];
      assert.ok(b <= a + 2, `${kind}: ${a} → ${b}`);
    }
    // Replay ids are held until exp + 300 s by design (spec §5.3): allowed for, not a leak.
    const allowance = (a: ProxyStats, b: ProxyStats) =>
      REPLAY_ID_BYTES * (b.replayIds - a.replayIds);
    assert.ok(
      end.heapUsed < baseline.heapUsed * 1.1 + allowance(baseline, end),
      "heap within 10 %",
    );
    assert.ok(end.heapUsed < first.heapUsed * 1.03 + allowance(first, end), "no growth in round 2");
    assert.deepEqual(
      proxy.stderr.filter((l) => /Warning|unexpected error/.test(l)),
      [],
      "no MaxListenersExceededWarning or unexpected error",
    );
  });

  /** Runs about `count` requests (every kind in turn, a slowloris every 200th) or until `ms`. */
  async function run(count: number, ms: number): Promise<number> {
    const names = Object.keys(kinds);
    const until = Date.now() + ms;
    let next = 0;
    const worker = async () => {
      for (let i = next++; requests < count && Date.now() < until; i = next++) {
        const name = names[i % names.length]!;
        const task = i % 200 === 199 ? slowloris : kinds[name]!;
        await task().catch((err: unknown) => {
          throw new Error(`${name} (#${i}): ${String(err)}`);
        });
        requests += task === kinds["allowed, kept alive"] ? KEPT_ALIVE : 1;
      }
    };
    let requests = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    return requests;
  }

  /** Stats once nothing is in flight and idle upstream connections have closed (≤ 10 s). */
  async function settled(baseline: ProxyStats | undefined): Promise<ProxyStats> {
    let stats = await proxy.stats();
    for (const until = Date.now() + 10_000; Date.now() < until;) {
      const calm = stats.inflight === 0 && (stats.resources["TCPSocketWrap"] ?? 0) <= 1;
      if (calm && (!baseline || stats.fds <= baseline.fds)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
      stats = await proxy.stats();
    }
    return stats;
  }

  function headersFor(method: string, path: string): Record<string, string> {
    const { attestation, intent } = h.attest({ method, url: h.url(path) });
    return { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
  }

  function attested(path: string) {
    return agentRequest({
      ...h.tunnel({ proxyPort: proxy.port }),
      path,
      headers: headersFor("GET", path),
    });
  }

  function rawHead(method: string, path: string): string {
    const headers = { host: API_HOST, ...headersFor(method, path) };
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    return `${method} ${path} HTTP/1.1\r\n${lines.join("")}\r\n`;
  }
});

function expectStatus(res: { status: number }, status: number): void {
  assert.equal(res.status, status);
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
