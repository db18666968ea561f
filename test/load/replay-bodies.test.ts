/**
 * Sixteen tunnels replay one attestation bound to an 8 MiB body (issue 10): the replay id is
 * claimed before any body is read, so the proxy buffers one body, not sixteen. Measured as the
 * proxy process's peak RSS (its own process, after a GC before the burst).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startHarness, type Harness } from "../helpers/harness.js";
import { startProxyChild, type ProxyChild } from "../helpers/proxy-child.js";

const TUNNELS = 16;
const MiB = 1024 * 1024;
const BODY = Buffer.alloc(8 * MiB, "x");

describe("replays of one attestation with large bodies", { timeout: 120_000 }, () => {
  let h: Harness;
  let proxy: ProxyChild;
  before(async () => {
    h = await startHarness();
    proxy = await startProxyChild(h);
  });
  after(async () => {
    await proxy?.stop();
    await h?.stop();
  });

  it("buffers only the body of the request that claimed it", async (t) => {
    const bodySha256 = createHash("sha256").update(BODY).digest("hex");
    const bound = h.attest({ method: "POST", url: h.url("/v1/upload"), bodySha256 });
    const headers = { "x-sigil-attestation": bound.attestation, "x-sigil-intent": bound.intent! };
    const recordsBefore = (await h.readAudit()).length;
    const statsBefore = await proxy.stats();
    const settled = await Promise.allSettled(
      Array.from({ length: TUNNELS }, () =>
        h.request({
          proxyPort: proxy.port,
          method: "POST",
          path: "/v1/upload",
          body: BODY,
          headers,
          timeoutMs: 60_000,
        }),
      ),
    );
    const statsAfter = await proxy.stats();
    const growth = statsAfter.maxRss - statsBefore.rss;
    const statuses = settled.map((s) => (s.status === "fulfilled" ? s.value.status : "reset"));
    const records = (await h.readAudit()).slice(recordsBefore);
    const replayed = records.filter((r) => r["code"] === "ERR_ATTESTATION_REPLAYED");
    t.diagnostic(
      `proxy RSS ${mib(statsBefore.rss)} → peak ${mib(statsAfter.maxRss)} MiB (+${mib(growth)}) ` +
        `for ${TUNNELS} × ${mib(BODY.length)} MiB; answers ${statuses.join(",")}`,
    );
    assert.equal(statuses.filter((s) => s === 200).length, 1, "exactly one use is served");
    // A replay is refused as soon as its head arrives; the agent may still be writing its body
    // and see the connection close instead of the 403.
    assert.deepEqual(
      statuses.filter((s) => s !== 200 && s !== 403 && s !== "reset"),
      [],
    );
    assert.equal(replayed.length, TUNNELS - 1, "every replay is refused and audited");
    assert.ok(growth < 64 * MiB, `the proxy's RSS grew by ${mib(growth)} MiB`);
  });
});

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(0);
}
