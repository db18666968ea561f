/**
 * Shutdown drains in-flight requests, then closes tunnels only once nothing has been in flight for
 * a moment: an agent on a keep-alive tunnel that sends its next request just after the last
 * response gets `503 ERR_SHUTTING_DOWN` with a deny record (retry elsewhere), not a reset.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openKeepAliveTunnel } from "../helpers/agent-client.js";
import { expectErrorResponse, sleep, startHarness, type Harness } from "../helpers/harness.js";

describe("shutdown with a keep-alive tunnel", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it("answers a request sent 40 ms after the drained one with 503, then closes", async () => {
    const tunnel = await openKeepAliveTunnel(h.tunnel());
    try {
      const headers = (path: string) => {
        const a = h.attest({ method: "GET", url: h.url(path) });
        return { "x-sigil-attestation": a.attestation, "x-sigil-intent": a.intent! };
      };
      const inflight = tunnel.request({
        path: "/slow-head?ms=200",
        headers: headers("/slow-head?ms=200"),
      });
      await sleep(50);
      const stopping = h.stopProxy(3000);
      assert.equal((await inflight).status, 200, "the in-flight request completes");
      await sleep(40); // longer than one turn of the old drain loop
      const late = await tunnel.request({ path: "/v1/late", headers: headers("/v1/late") });
      expectErrorResponse(late, 503, "ERR_SHUTTING_DOWN");
      await stopping;
      const deny = (await h.readAudit()).find(
        (r) => r["type"] === "deny" && r["code"] === "ERR_SHUTTING_DOWN",
      );
      assert.ok(deny, "the refusal is audited");
      assert.equal(deny["method"], "GET");
    } finally {
      tunnel.close();
    }
  });
});
