import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryReplayStore } from "../../src/replay/memory.js";
import { replayHoldUntilMs } from "../../src/replay/store.js";
import { replayStoreContract } from "./contract.js";

replayStoreContract("memory store", async (clock) => createMemoryReplayStore(() => clock.now), {
  sync: true,
});

test("an id is held until exp + 300 s", () => {
  assert.equal(replayHoldUntilMs(2_000_000_060), 2_000_000_060_000 + 300_000);
});
