import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAuditWriter } from "../../src/audit/writer.js";
import { createMemoryReplayStore } from "../../src/replay/memory.js";
import { rebuildReplayStore } from "../../src/replay/rebuild.js";

test("ids claimed before a restart stay claimed; expired and unclaimed ones do not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sv-rebuild-"));
  const nowMs = Date.now();
  const exp = Math.floor(nowMs / 1000) + 30;
  const writer = await openAuditWriter({ dir });
  await writer.append({ type: "release", requestId: "r1", replayId: "used", exp });
  await writer.append({
    type: "deny",
    requestId: "r2",
    code: "ERR_BACKEND_FAILED",
    replayId: "claimed",
    replayClaimed: true,
    exp,
  });
  await writer.append({
    type: "deny",
    requestId: "r3",
    code: "ERR_ATTESTATION_EXPIRED",
    replayId: "never",
    exp,
  });
  await writer.append({
    type: "release",
    requestId: "r4",
    replayId: "old",
    exp: Math.floor(nowMs / 1000) - 400,
  });
  await writer.close();

  const store = createMemoryReplayStore(() => nowMs);
  assert.equal(await rebuildReplayStore(store, dir, nowMs), 2);
  assert.equal(await store.claim("used", nowMs + 1000), false);
  assert.equal(await store.claim("claimed", nowMs + 1000), false);
  assert.equal(await store.claim("never", nowMs + 1000), true);
  assert.equal(await store.claim("old", nowMs + 1000), true);
});
