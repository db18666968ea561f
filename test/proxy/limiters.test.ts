/**
 * The two in-memory limiters on their own, with time passed in: the per-agent token bucket
 * (refill, burst cap, a clock that stands still or steps back, looking without taking) and the buffered-body budget
 * (reservations under a limit, freed once, nothing reserved after a free).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createBodyBudget } from "../../src/proxy/body-budget.js";
import { createRateLimiter } from "../../src/proxy/rate-limit.js";

test("a bucket allows its burst at once, then refills at its rate, per agent", () => {
  const limiter = createRateLimiter();
  const rule = { perSecond: 2, burst: 3 };
  const takes = (agent: string, at: number, n: number) =>
    Array.from({ length: n }, () => limiter.take(agent, at, rule));
  assert.deepEqual(takes("a", 0, 4), [true, true, true, false]);
  assert.deepEqual(takes("b", 0, 1), [true], "another agent has its own bucket");
  assert.deepEqual(takes("a", 499, 1), [false], "less than one token refilled");
  assert.deepEqual(takes("a", 500, 2), [true, false], "one token after 500 ms at 2/s");
  assert.deepEqual(takes("a", 10_000, 4), [true, true, true, false], "refill caps at the burst");
});

test("a clock that stands still or steps back refills nothing", () => {
  const limiter = createRateLimiter();
  const rule = { perSecond: 1000, burst: 1 };
  assert.equal(limiter.take("a", 5000, rule), true);
  assert.equal(limiter.take("a", 5000, rule), false);
  assert.equal(limiter.take("a", 1000, rule), false, "stepping back does not refill");
  assert.equal(limiter.take("a", 5000.5, rule), false, "nor does it reset the refill point");
  assert.equal(limiter.take("a", 5001, rule), true);
});

test("has() says whether a token is there and takes none", () => {
  const limiter = createRateLimiter();
  const rule = { perSecond: 2, burst: 2 };
  assert.equal(limiter.has("a", 0, rule), true, "an agent that never took is full");
  assert.equal(limiter.has("a", 0, rule), true);
  assert.deepEqual([limiter.take("a", 0, rule), limiter.take("a", 0, rule)], [true, true]);
  assert.equal(limiter.has("a", 0, rule), false, "empty after the burst");
  assert.equal(limiter.has("a", 499, rule), false);
  assert.equal(limiter.has("a", 500, rule), true, "refilled one token");
  assert.equal(limiter.take("a", 500, rule), true, "has() left it there");
  assert.equal(limiter.take("a", 500, rule), false);
});

test("the body budget reserves under its limit and frees a reservation once", () => {
  const budget = createBodyBudget();
  const a = budget.open(100);
  const b = budget.open(100);
  assert.equal(a.take(60), true);
  assert.equal(b.take(50), false, "60 + 50 would go over 100");
  assert.equal(b.take(40), true);
  assert.equal(budget.used, 100);
  a.free();
  a.free();
  assert.equal(budget.used, 40, "freed once");
  assert.equal(a.take(10), false, "a freed reservation takes nothing more");
  b.free();
  assert.equal(budget.used, 0);
});
