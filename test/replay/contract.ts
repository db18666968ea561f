/**
 * The ReplayStore contract: every implementation (memory now, Redis later) runs this suite.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReplayStore } from "../../src/replay/store.js";

export function replayStoreContract(
  name: string,
  make: (clock: { now: number }) => Promise<ReplayStore>,
): void {
  test(`${name}: an id is accepted once`, async () => {
    const store = await make({ now: 1_000_000 });
    try {
      assert.equal(await store.claim("id-1", 2_000_000), true);
      assert.equal(await store.claim("id-1", 2_000_000), false);
      assert.equal(await store.claim("id-2", 2_000_000), true);
    } finally {
      await store.close();
    }
  });

  test(`${name}: of 50 concurrent claims for one id exactly one wins`, async () => {
    const store = await make({ now: 1_000_000 });
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.claim("hot", 2_000_000)),
      );
      assert.equal(results.filter(Boolean).length, 1);
    } finally {
      await store.close();
    }
  });

  test(`${name}: an id is held until its expiry, then free again`, async () => {
    const clock = { now: 1_000_000 };
    const store = await make(clock);
    try {
      assert.equal(await store.claim("id", 1_500_000), true);
      clock.now = 1_499_999;
      assert.equal(await store.claim("id", 1_900_000), false);
      clock.now = 1_500_001;
      assert.equal(await store.claim("id", 1_900_000), true);
    } finally {
      await store.close();
    }
  });
}
