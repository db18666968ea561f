/**
 * The Redis client is an optional peer: the memory store never loads it, and a `redis://` store
 * without it installed is ERR_CONFIG_INVALID naming the install command, before any connection.
 * The missing package is simulated by an injected loader, never by touching node_modules.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SigilError } from "../../src/errors.js";
import type { ImportModule } from "../../src/optional-packages.js";
import { openReplayStore } from "../../src/replay/create.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const missingRedis: ImportModule & { asked: string[] } = Object.assign(
  async (specifier: string) => {
    missingRedis.asked.push(specifier);
    throw Object.assign(new Error(`Cannot find package '${specifier}'`), {
      code: "ERR_MODULE_NOT_FOUND",
    });
  },
  { asked: [] as string[] },
);

test("a redis:// store without @redis/client is refused with the install command", async (t) => {
  const auditDir = await makeTmpDir(t);
  await assert.rejects(
    openReplayStore("redis://127.0.0.1:1/0", {
      auditDir,
      nowMs: Date.now,
      env: {},
      importModule: missingRedis,
    }),
    (err: unknown) => {
      assert.ok(err instanceof SigilError);
      assert.equal(err.code, "ERR_CONFIG_INVALID");
      assert.match(err.reason, /needs @redis\/client.*npm install -g @redis\/client@6\.3\.1/);
      return true;
    },
  );
  assert.deepEqual(missingRedis.asked, ["@redis/client"]);
});

test("the memory store never asks for the Redis client", async (t) => {
  missingRedis.asked.length = 0;
  const auditDir = await makeTmpDir(t);
  const opened = await openReplayStore("memory", {
    auditDir,
    nowMs: Date.now,
    env: {},
    importModule: missingRedis,
  });
  await opened.store.close();
  assert.equal(opened.kind, "memory");
  assert.deepEqual(missingRedis.asked, []);
});
