/**
 * Bodies stream without buffering (spec §3): server-sent events reach the agent one by one as the
 * upstream emits them. Shutdown drains: a request in flight when the proxy stops still completes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startHarness, type Harness } from "../helpers/harness.js";

describe("streaming and shutdown", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it("delivers server-sent events to the agent event by event", async () => {
    const events = 5;
    const gapMs = 150;
    const arrivals: number[] = [];
    let text = "";
    const started = Date.now();
    const res = await h.attested({
      path: `/sse?n=${events}&ms=${gapMs}`,
      onData: (chunk) => {
        text += chunk.toString();
        const complete = text.split("\n\n").length - 1;
        while (arrivals.length < complete) arrivals.push(Date.now() - started);
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/event-stream");
    assert.equal(arrivals.length, events);
    const expected = Array.from({ length: events }, (_, i) => `id: ${i}\ndata: {"n":${i}}\n\n`);
    assert.equal(res.body.toString(), expected.join(""));
    const spread = arrivals[events - 1]! - arrivals[0]!;
    assert.ok(spread >= (events - 1) * gapMs * 0.6, `events arrived within ${spread} ms`);
    for (let i = 1; i < events; i++) {
      assert.ok(arrivals[i]! - arrivals[i - 1]! >= gapMs * 0.4, `gaps: ${arrivals.join(", ")}`);
    }
  });

  it("sends the response head at once when the body is slow to start", async () => {
    const started = Date.now();
    let headAt = 0;
    let firstChunkAt = 0;
    const res = await h.attested({
      path: "/stream?ms=1500&chunks=1",
      onHead: () => (headAt = Date.now() - started),
      onData: () => (firstChunkAt ||= Date.now() - started),
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), "chunk 0\n");
    assert.ok(headAt > 0 && headAt < 1000, `head after ${headAt} ms`);
    assert.ok(firstChunkAt >= 1200, `first chunk after ${firstChunkAt} ms`);
  });

  it("lets an in-flight slow request complete when the proxy stops", async () => {
    const seen = h.upstream.requests.length;
    const pending = h.attested({ path: "/slow-head?ms=600" });
    for (const until = Date.now() + 3000; h.upstream.requests.length === seen;) {
      assert.ok(Date.now() < until, "the slow request never reached the upstream");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stopped = h.stopProxy(5000);
    const res = await pending;
    await stopped;
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { ok: true, path: "/slow-head" });
    const records = await h.readAudit();
    const outcome = records.findLast((r) => r.type === "outcome");
    const stop = records.findLast((r) => r.type === "stop");
    assert.equal(outcome?.["status"], 200);
    assert.ok(stop && outcome && outcome.seq < stop.seq, "the outcome was written before stop");
  });
});
