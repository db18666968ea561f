/**
 * The request deadline (spec §3) covers only head to upstream response head: a slow head is a 504
 * well before the upstream answers, while a body that streams for longer than the deadline is not
 * cut; the body is bounded by the idle timeout instead.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/audit/record.js";
import { expectErrorResponse, startHarness, type Harness } from "../helpers/harness.js";

const DEADLINE_MS = 300;
const IDLE_MS = 1000;

describe("the request deadline", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ proxy: { deadline_ms: DEADLINE_MS, idle_timeout_ms: IDLE_MS } });
  });
  after(() => h.stop());

  it("answers 504 when the upstream head does not arrive within deadline_ms", async () => {
    const started = Date.now();
    const res = await h.attested({ path: "/slow-head?ms=2000" });
    const elapsed = Date.now() - started;
    const id = expectErrorResponse(res, 504, "ERR_DEADLINE_EXCEEDED");
    assert.ok(elapsed >= DEADLINE_MS - 20, `answered after ${elapsed} ms`);
    assert.ok(elapsed < 1500, `answered after ${elapsed} ms, not near the deadline`);
    const mine = (type: string) => (r: AuditRecord) => r.type === type && r["requestId"] === id;
    const outcome = await h.waitForAudit(mine("outcome"));
    const release = (await h.readAudit()).find(mine("release"));
    assert.equal(outcome["release"], release?.hash);
    assert.equal(outcome["error"], "ERR_DEADLINE_EXCEEDED");
  });

  it("does not cut a streamed body that outlasts the deadline", async () => {
    const started = Date.now();
    const res = await h.attested({ path: "/stream?chunks=8&ms=100" });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 200);
    const expected = Array.from({ length: 8 }, (_, i) => `chunk ${i}\n`).join("");
    assert.equal(res.body.toString(), expected);
    assert.ok(elapsed > 2 * DEADLINE_MS, `the stream lasted ${elapsed} ms`);
    const outcome = await h.waitForAudit((r) => r.type === "outcome" && r["status"] === 200);
    assert.equal(outcome["error"], undefined);
    assert.equal(outcome["bytesOut"], expected.length);
  });

  it("cuts a response body that stays idle longer than idle_timeout_ms", async () => {
    const seen = (await h.readAudit()).length;
    const started = Date.now();
    await assert.rejects(h.attested({ path: `/stream?chunks=2&ms=${IDLE_MS + 1000}` }));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= IDLE_MS - 50 && elapsed < IDLE_MS + 900, `cut after ${elapsed} ms`);
    // Outcome records are lazy (they ride with the next batch, flushed within a few ms).
    const outcome = await h.waitForAudit((r) => r.type === "outcome" && r.seq >= seen);
    assert.equal(outcome["status"], 200);
    assert.equal(outcome["error"], "ERR_UPSTREAM_IDLE_TIMEOUT");
  });
});
