/**
 * The ReplayStore contract: every implementation (memory, Redis) runs this suite. Stores that
 * keep their own clock (Redis expires keys by the server's time) run the expiry case with a real,
 * short hold instead of a moved fake clock.
 */
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReplayStore } from "../../src/replay/store.js";

/** How the store under test tells time. */
export interface ContractOptions {
  /**
   * "fake" (default): the store reads `clock.now`, which the expiry case moves.
   * "real": the store uses wall-clock time; `clock.now` starts at Date.now() and expiry is waited for.
   */
  clock?: "fake" | "real";
  /** The store answers claims synchronously too (`claimNow`); both must share one set of ids. */
  sync?: boolean;
}

export function replayStoreContract(
  name: string,
  make: (clock: { now: number }) => Promise<ReplayStore>,
  opts: ContractOptions = {},
): void {
  const real = opts.clock === "real";
  const start = () => ({ now: real ? Date.now() : 1_000_000 });
  /** Ids unique to this run, so stores that outlive one test (a shared server) never collide. */
  const id = (label: string) => `${label}-${randomUUID()}`;

  test(`${name}: an id is accepted once`, async () => {
    const clock = start();
    const store = await make(clock);
    const [one, two] = [id("id-1"), id("id-2")];
    try {
      assert.equal(await store.claim(one, clock.now + 1_000_000), true);
      assert.equal(await store.claim(one, clock.now + 1_000_000), false);
      assert.equal(await store.claim(two, clock.now + 1_000_000), true);
    } finally {
      await store.close();
    }
  });

  if (opts.sync) {
    test(`${name}: a synchronous claim shares its ids with claim()`, async () => {
      const clock = start();
      const store = await make(clock);
      assert.ok(store.claimNow, "the store offers claimNow");
      const [one, two] = [id("sync-1"), id("sync-2")];
      try {
        assert.equal(store.claimNow(one, clock.now + 1_000_000), true);
        assert.equal(await store.claim(one, clock.now + 1_000_000), false, "taken for claim()");
        assert.equal(await store.claim(two, clock.now + 1_000_000), true);
        assert.equal(store.claimNow(two, clock.now + 1_000_000), false, "taken for claimNow()");
      } finally {
        await store.close();
      }
    });
  }

  test(`${name}: of 50 concurrent claims for one id exactly one wins`, async () => {
    const clock = start();
    const store = await make(clock);
    const hot = id("hot");
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.claim(hot, clock.now + 1_000_000)),
      );
      assert.equal(results.filter(Boolean).length, 1);
    } finally {
      await store.close();
    }
  });

  test(`${name}: an id is held until its expiry, then free again`, async () => {
    const clock = start();
    const store = await make(clock);
    const held = id("id");
    const hold = real ? 300 : 500_000;
    const until = clock.now + hold;
    try {
      assert.equal(await store.claim(held, until), true);
      if (!real) clock.now = until - 1;
      assert.equal(
        await store.claim(held, until + 400_000),
        false,
        "a refused claim extends nothing",
      );
      if (real) await waitUntil(until + 20);
      else clock.now = until + 1;
      assert.equal(await store.claim(held, clock.now + 1_000_000), true);
    } finally {
      await store.close();
    }
  });
}

async function waitUntil(epochMs: number): Promise<void> {
  const ms = epochMs - Date.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
