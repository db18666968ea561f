/**
 * `replay_store` values (spec §5.3, §10): "memory" or a redis:// / rediss:// URL without a password
 * (that comes from SIGIL_VAULT_REDIS_PASSWORD); refusals never echo the value, which may hold one.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openAuditWriter } from "../../src/audit/writer.js";
import { SigilError } from "../../src/errors.js";
import { openReplayStore, parseReplayStoreSpec } from "../../src/replay/create.js";

describe("replay_store values", () => {
  const valid: [string, unknown][] = [
    ["memory", { kind: "memory" }],
    ["redis://10.0.0.5", { kind: "redis", target: { host: "10.0.0.5", port: 6379, tls: false } }],
    [
      "rediss://vault@redis.internal:6380/2",
      {
        kind: "redis",
        target: { host: "redis.internal", port: 6380, tls: true, database: 2, username: "vault" },
      },
    ],
    ["redis://[::1]:7000/", { kind: "redis", target: { host: "::1", port: 7000, tls: false } }],
  ];
  for (const [value, expected] of valid) {
    it(`accepts ${value}`, () => assert.deepEqual(parseReplayStoreSpec(value), expected));
  }

  const invalid: [string, string, RegExp][] = [
    ["an unknown word", "memroy", /"memory" or a redis/],
    ["another scheme", "http://redis:6379", /"memory" or a redis/],
    ["a password in the URL", "redis://u:hunter2@redis:6379", /SIGIL_VAULT_REDIS_PASSWORD/],
    ["a path that is not a database", "redis://redis:6379/replay", /database number/],
    ["a query string", "redis://redis:6379/0?password=hunter2", /query/],
  ];
  for (const [name, value, reason] of invalid) {
    it(`refuses ${name} without echoing the value`, () => {
      assert.throws(
        () => parseReplayStoreSpec(value),
        (err: unknown) => {
          assert.ok(err instanceof SigilError);
          assert.equal(err.code, "ERR_CONFIG_INVALID");
          assert.match(err.reason, reason);
          assert.ok(!err.reason.includes("hunter2") && !err.reason.includes(value));
          return true;
        },
      );
    });
  }
});

describe("opening the memory store", () => {
  it("re-claims the replay ids of recent release records from the audit log", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sigil-create-"));
    try {
      const exp = Math.floor(Date.now() / 1000) + 30;
      const writer = await openAuditWriter({ dir });
      await writer.append({ type: "release", requestId: "r1", replayId: "used", exp });
      await writer.close();
      const opened = await openReplayStore("memory", { auditDir: dir, nowMs: Date.now, env: {} });
      assert.equal(opened.kind, "memory");
      assert.equal(opened.restored, 1);
      assert.equal(await opened.store.claim("used", Date.now() + 1000), false);
      await opened.store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
