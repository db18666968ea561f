/**
 * Single use of attestations (spec §5.3) through the real proxy: a token works once, of many
 * concurrent requests carrying it exactly one gets through, and a restart on the same home does
 * not reopen it (the replay store is rebuilt from the audit log).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/audit/record.js";
import { expectErrorResponse, sleep, startHarness, type Harness } from "../helpers/harness.js";

const CODE = "ERR_ATTESTATION_REPLAYED";

describe("attestation replay", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const headersFor = (path: string) => {
    const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
    return { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
  };

  it("refuses the same token the second time", async () => {
    const headers = headersFor("/v1/once");
    const first = await h.request({ path: "/v1/once", headers });
    assert.equal(first.status, 200);
    const second = await h.request({ path: "/v1/once", headers });
    await h.expectDenied(second, 403, CODE);
  });

  it("lets exactly one of 20 concurrent requests with one token through", async () => {
    const headers = headersFor("/v1/race");
    const before = h.upstream.requests.length;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.request({ path: "/v1/race", headers })),
    );
    const ok = results.filter((r) => r.status >= 200 && r.status < 300);
    const refused = results.filter((r) => r.status === 403);
    assert.equal(ok.length, 1);
    assert.equal(refused.length, 19);
    const ids = refused.map((r) => expectErrorResponse(r, 403, CODE));
    assert.equal(h.upstream.requests.length - before, 1);
    const isDeny = (r: AuditRecord) => r.type === "deny" && ids.includes(String(r["requestId"]));
    let denies = (await h.readAudit()).filter(isDeny);
    for (const until = Date.now() + 3000; denies.length < ids.length && Date.now() < until;) {
      await sleep(20);
      denies = (await h.readAudit()).filter(isDeny);
    }
    assert.equal(denies.length, 19);
    for (const d of denies) assert.equal(d["code"], CODE);
  });

  it("still refuses a used token after the proxy restarts on the same home", async () => {
    const headers = headersFor("/v1/restart");
    assert.equal((await h.request({ path: "/v1/restart", headers })).status, 200);
    await h.restartProxy();
    const again = await h.request({ path: "/v1/restart", headers });
    await h.expectDenied(again, 403, CODE);
    const fresh = await h.attested({ path: "/v1/restart" });
    assert.equal(fresh.status, 200, "the restarted proxy still serves fresh tokens");
  });
});
