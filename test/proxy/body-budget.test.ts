/**
 * Buffered request bodies (intent `body_sha256`): the replay id is claimed before a body is read,
 * and all buffered bodies share one budget (`proxy.max_buffered_body_bytes`): a request that would
 * go over it is refused 503 ERR_OVERLOADED and audited, and the budget is freed on every path.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, sleep, startHarness, type Harness } from "../helpers/harness.js";
import { closedWithin } from "../helpers/slow-peer.js";

const BUDGET = 1000;

describe("buffered request bodies", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ proxy: { max_buffered_body_bytes: BUDGET, max_body_bytes: 4000 } });
  });
  after(() => h.stop());

  const bind = (body: string) =>
    h.attest({ method: "POST", url: h.url("/v1/x"), bodySha256: sha256(body) });
  const post = (bound: ReturnType<typeof bind>, body: string) =>
    h.request({
      method: "POST",
      path: "/v1/x",
      body,
      headers: { "x-sigil-attestation": bound.attestation, "x-sigil-intent": bound.intent! },
    });
  /**
   * Posts a bound body; once allowed, waits for its `outcome` record: the proxy frees a request's
   * share of the budget when the request ends, just after that record is durable.
   */
  const posted = async (body: string) => {
    const res = await post(bind(body), body);
    if (res.status === 200) await settled();
    return res.status;
  };
  let outcomesSeen = 0;
  const settled = async () => {
    outcomesSeen++;
    const outcomes = async () => (await h.readAudit()).filter((r) => r.type === "outcome").length;
    for (const until = Date.now() + 3000; (await outcomes()) < outcomesSeen; await sleep(20)) {
      if (Date.now() > until) throw new Error("no outcome record");
    }
    await sleep(20);
  };

  /** A bound upload whose head and first half are sent; the rest waits for `finish`. */
  async function partialUpload(bound: ReturnType<typeof bind>, body: string) {
    const opened = await openTunnel(h.tunnel());
    assert.ok("tls" in opened);
    const tls: TLSSocket = opened.tls;
    const closed = closedWithin(tls, 10_000);
    tls.write(
      `POST /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nContent-Length: ${body.length}\r\n` +
        `Connection: close\r\nX-Sigil-Attestation: ${bound.attestation}\r\n` +
        `X-Sigil-Intent: ${bound.intent!}\r\n\r\n${body.slice(0, body.length / 2)}`,
    );
    // Long enough for the proxy to verify, claim and start reading (no event shows it).
    await sleep(500);
    return {
      finish: async () => {
        tls.write(body.slice(body.length / 2));
        return (await closed).received;
      },
      abort: () => tls.destroy(),
    };
  }

  it("refuses a body that would go over max_buffered_body_bytes with 503 ERR_OVERLOADED", async () => {
    const body = "x".repeat(BUDGET + 1);
    const res = await post(bind(body), body);
    const requestId = await h.expectDenied(res, 503, "ERR_OVERLOADED");
    assert.equal(res.headers["retry-after"], "1");
    const deny = (await h.readAudit()).find((r) => r["requestId"] === requestId)!;
    assert.match(String(deny["reason"]), /max_buffered_body_bytes/);
    assert.equal(deny["replayClaimed"], true, "claimed before the body was read");
    assert.equal(deny["path"], "/v1/x");
  });

  it("counts bodies of concurrent requests against one budget", async () => {
    const body = "a".repeat(800);
    const first = await partialUpload(bind(body), body);
    const second = await post(bind(body), body);
    await h.expectDenied(second, 503, "ERR_OVERLOADED");
    assert.match(await first.finish(), /^HTTP\/1\.1 200 /);
    await settled();
    assert.equal(await posted(body), 200, "the budget was freed after success");
  });

  it("frees the budget after a refused body and after an aborted upload", async () => {
    const body = "b".repeat(800);
    const mismatched = await post(bind("c".repeat(800)), body);
    await h.expectDenied(mismatched, 403, "ERR_ATTESTATION_MISMATCH");
    assert.equal(await posted(body), 200, "freed after a body hash mismatch");

    const upload = await partialUpload(bind(body), body);
    upload.abort();
    await h.waitForAudit((r) => String(r["reason"]).includes("not received completely"));
    assert.equal(await posted(body), 200, "freed after an aborted upload");
  });

  it("refuses a replay while the first use is still uploading, without reading its body", async () => {
    const body = "d".repeat(800);
    const bound = bind(body);
    const first = await partialUpload(bound, body);
    // The budget has room for only one of the two bodies: a replay that read its body first
    // would get 503; claimed first, it is refused as a replay.
    const replay = await post(bound, body);
    await h.expectDenied(replay, 403, "ERR_ATTESTATION_REPLAYED");
    assert.match(await first.finish(), /^HTTP\/1\.1 200 /);
    await settled();
  });
});

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
