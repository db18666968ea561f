/**
 * When the audit writer writes a batch on the event loop (inline-writes.ts). The policy is fed
 * measured write times and a clock by hand here: no test depends on how fast this disk is.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { adaptiveInlineWrites, DEFAULT_INLINE_LIMITS } from "../../src/audit/inline-writes.js";

test("the defaults: under 1 ms, at most two records, idle for half a write", () => {
  assert.deepEqual(DEFAULT_INLINE_LIMITS, { maxMs: 1, maxRecords: 2, idleFactor: 0.5, alpha: 0.3 });
});

test("nothing goes inline before a first write has been measured", () => {
  const p = adaptiveInlineWrites();
  assert.equal(p.shouldInline(1, 1_000), false);
  p.observe(0.2, 1_000);
  assert.equal(p.shouldInline(1, 1_001), true);
});

test("only batches of one or two records go inline", () => {
  const p = adaptiveInlineWrites();
  p.observe(0.2, 100);
  assert.equal(p.shouldInline(1, 200), true);
  assert.equal(p.shouldInline(2, 200), true);
  assert.equal(p.shouldInline(3, 200), false);
});

test("a writer that has not been idle for half a write's time stays on the thread pool", () => {
  const p = adaptiveInlineWrites();
  p.observe(0.4, 100); // EWMA 0.4 ms: half of it is 0.2 ms
  assert.equal(p.shouldInline(1, 100), false, "back to back");
  assert.equal(p.shouldInline(1, 100.19), false);
  assert.equal(p.shouldInline(1, 100.2), true);
});

test("one slow write takes the EWMA over 1 ms; fast writes bring it back", () => {
  const p = adaptiveInlineWrites();
  p.observe(0.2, 10);
  p.observe(3.2, 20); // 0.2 + 0.3 × 3.0 = 1.1 ms
  assert.equal(p.shouldInline(1, 30), false);
  p.observe(0.2, 40); // 1.1 + 0.3 × (0.2 − 1.1) = 0.83 ms
  assert.equal(p.shouldInline(1, 40.4), false, "idle 0.4 ms < half of 0.83 ms");
  assert.equal(p.shouldInline(1, 40.42), true);
});

test("a disk that stays at 1 ms or more never gets an inline write", () => {
  const p = adaptiveInlineWrites();
  for (let i = 1; i <= 50; i++) {
    p.observe(1, i * 10);
    assert.equal(p.shouldInline(1, i * 10 + 5), false);
  }
});

test("after a failed batch nothing goes inline until a write has been measured again", () => {
  const p = adaptiveInlineWrites();
  p.observe(0.2, 10);
  assert.equal(p.shouldInline(1, 20), true);
  p.reset();
  assert.equal(p.shouldInline(1, 30), false);
  p.observe(0.3, 40);
  assert.equal(p.shouldInline(1, 50), true);
});

test("the limits are the caller's to set", () => {
  const p = adaptiveInlineWrites({ maxMs: 5, maxRecords: 1, idleFactor: 0, alpha: 1 });
  p.observe(4, 10);
  assert.equal(p.shouldInline(1, 10), true);
  assert.equal(p.shouldInline(2, 10), false);
  p.observe(6, 20); // alpha 1: the EWMA is the last write
  assert.equal(p.shouldInline(1, 30), false);
});
