/**
 * Back-pressure: an agent that stops reading a large response must make the proxy stop reading
 * the upstream, not buffer the body. The proxy runs in its own process so its RSS is its own.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";
import { startProxyChild, type ProxyChild } from "../helpers/proxy-child.js";

const BODY_BYTES = 512 * 1024 * 1024;
const READERS = 4;
const MIB = 1024 * 1024;

describe("back-pressure", { timeout: 60_000 }, () => {
  let h: Harness;
  let proxy: ProxyChild;
  before(async () => {
    h = await startHarness({ routes: [{ path: "/big" }] });
    proxy = await startProxyChild(h);
  });
  after(async () => {
    await proxy?.stop();
    await h?.stop();
  });

  it("holds a bounded amount per stalled reader of a 512 MiB response", async (t) => {
    const before = await proxy.stats();
    const stalled = [];
    for (let i = 0; i < READERS; i++) {
      const opened = await openTunnel(h.tunnel({ proxyPort: proxy.port }));
      assert.ok("tls" in opened);
      const path = `/big?bytes=${BODY_BYTES}`;
      const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
      let received = 0;
      opened.tls.on("data", (chunk: Buffer) => {
        if (received === 0) assert.match(chunk.toString("latin1"), /^HTTP\/1\.1 200 /);
        received += chunk.length;
        if (received > MIB) opened.tls.pause(); // reads a little, then stops reading
      });
      opened.tls.write(
        `GET ${path} HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
          `X-Sigil-Attestation: ${attestation}\r\nX-Sigil-Intent: ${intent!}\r\n\r\n`,
      );
      stalled.push({ tls: opened.tls, received: () => received });
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const early = await proxy.stats();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const during = await proxy.stats();
    const growth = (during.rss - before.rss) / MIB;
    const got = stalled.map((s) => (s.received() / MIB).toFixed(1));
    t.diagnostic(
      `${READERS} stalled readers of ${BODY_BYTES / MIB} MiB: proxy RSS ${Math.round(before.rss / MIB)} → ` +
        `${Math.round(during.rss / MIB)} MiB (+${growth.toFixed(1)}), flat after 2 s; ` +
        `heap ${mib(during.heapUsed - before.heapUsed)}, buffers ${mib(during.arrayBuffers + during.external - before.arrayBuffers - before.external)} MiB; agents received ${got.join("/")} MiB`,
    );
    // RSS includes TLS and allocator memory touched while data flowed; what matters is that it
    // stops growing, and that JS-held buffers stay small.
    assert.ok(growth < 64, `RSS grew ${growth.toFixed(1)} MiB`);
    assert.ok(during.rss - early.rss < 8 * MIB, "RSS stopped growing while the readers stalled");
    const held =
      (during.arrayBuffers + during.external - before.arrayBuffers - before.external) / MIB;
    assert.ok(held < 8, `buffers held: ${held.toFixed(1)} MiB`);
    assert.ok(
      stalled.every((s) => s.received() < 64 * MIB),
      "the body stopped flowing",
    );
    for (const s of stalled) s.tls.destroy();
    for (const until = Date.now() + 5000; (await proxy.stats()).inflight > 0;) {
      assert.ok(Date.now() < until, "the stalled requests ended once the agents went away");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});

function mib(bytes: number): string {
  return `${bytes >= 0 ? "+" : ""}${(bytes / MIB).toFixed(1)}`;
}
