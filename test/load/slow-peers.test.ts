/**
 * Slow peers must not stall other agents: while clients dribble CONNECT heads, inner heads and
 * request bodies at one byte per 100 ms, stall TLS handshakes, refuse to read a large response,
 * and the upstream trickles responses, a fast agent's requests keep being answered promptly.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";
import { connectProxy, dribble, percentile, sampleLatency } from "../helpers/slow-peer.js";

const EACH = 10;
const WINDOW_MS = 4000;

describe("slow clients and slow upstreams", { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      routes: [{ path: "/v1/*", methods: ["GET", "POST"] }, { path: "/big" }, { path: "/stream" }],
    });
  });
  after(() => h.stop());

  it("keeps a fast agent's latency bounded while slow peers hold connections", async (t) => {
    const fast = async () => {
      const res = await h.attested({ path: "/v1/fast" });
      assert.equal(res.status, 200);
    };
    const quiet = await sampleLatency(fast, sleep(1500), 50);

    const sockets: { destroy(): void }[] = [];
    const tunnel = async () => {
      const opened = await openTunnel(h.tunnel());
      assert.ok("tls" in opened);
      sockets.push(opened.tls);
      return opened.tls;
    };
    for (let i = 0; i < EACH; i++) {
      const connect = await connectProxy(h.proxyPort);
      sockets.push(connect);
      connect.write(`CONNECT ${API_HOST}:443 HTTP/1.1\r\n`);
      dribble(connect, `X-Pad: ${"a".repeat(1000)}\r\n`, 100);

      const stalled = await connectProxy(h.proxyPort);
      sockets.push(stalled);
      stalled.write(
        `CONNECT ${API_HOST}:443 HTTP/1.1\r\nHost: ${API_HOST}:443\r\n` +
          `Proxy-Authorization: Basic ${Buffer.from(`x:${h.agent.token}`).toString("base64")}\r\n\r\n`,
      );

      const head = await tunnel();
      head.write(`GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n`);
      dribble(head, `X-Pad: ${"a".repeat(1000)}\r\n`, 100);

      const upload = await tunnel();
      upload.write(attestedHead("POST", "/v1/upload", { "content-length": "1000" }));
      dribble(upload, "u".repeat(1000), 100);

      const reader = await tunnel();
      reader.write(attestedHead("GET", "/big?bytes=104857600", {}));
      reader.once("data", () => reader.pause());

      const trickle = await tunnel();
      trickle.write(attestedHead("GET", "/stream?ms=200&chunks=100", {}));
      trickle.resume();
    }
    try {
      const busy = await sampleLatency(fast, sleep(WINDOW_MS), 50);
      const p = (xs: number[], q: number) => Math.round(percentile(xs, q));
      t.diagnostic(
        `fast agent: quiet p50 ${p(quiet, 50)} ms p99 ${p(quiet, 99)} ms; with ${6 * EACH} slow ` +
          `peers p50 ${p(busy, 50)} ms p99 ${p(busy, 99)} ms max ${p(busy, 100)} ms (${busy.length} requests)`,
      );
      assert.ok(busy.length >= 10, "the fast agent kept making requests");
      assert.ok(percentile(busy, 99) < Math.max(1500, 10 * percentile(quiet, 50)), "p99 bounded");
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  function attestedHead(method: string, path: string, headers: Record<string, string>): string {
    const { attestation, intent } = h.attest({ method, url: h.url(path) });
    const all = {
      host: API_HOST,
      "x-sigil-attestation": attestation,
      "x-sigil-intent": intent!,
      ...headers,
    };
    return `${method} ${path} HTTP/1.1\r\n${Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}\r\n`;
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
