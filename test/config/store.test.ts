import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { compileConfig } from "../../src/config/compile.js";
import { emptyConfig } from "../../src/config/schema.js";
import { readConfigFile, updateConfigFile, writeConfigFile } from "../../src/config/store.js";
import { watchConfig } from "../../src/config/watch.js";

const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "sv-config-"));
  const path = join(dir, "config.json");
  writeConfigFile(path, emptyConfig());
  return { dir, path };
};
const validate = (c: Parameters<typeof compileConfig>[0]) => void compileConfig(c);

test("config files are written 0600 and leave no temp files behind", () => {
  const { dir, path } = fresh();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["config.json"]);
});

test("concurrent updates are serialised by the lock; none is lost", async () => {
  const { path } = fresh();
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      updateConfigFile(
        path,
        (c) => void c.backends.push({ name: `b${i}`, kind: "env", options: {} }),
        validate,
      ),
    ),
  );
  assert.equal(readConfigFile(path).backends.length, 10);
});

test("an update that fails validation writes nothing", async () => {
  const { path } = fresh();
  const before = readFileSync(path, "utf8");
  await assert.rejects(
    updateConfigFile(
      path,
      (c) => void c.backends.push({ name: "x", kind: "nope", options: {} }),
      validate,
    ),
  );
  assert.equal(readFileSync(path, "utf8"), before);
});

test("a stale lock left by a dead process is taken over", async () => {
  const { path } = fresh();
  writeFileSync(`${path}.lock`, "999999999");
  await updateConfigFile(
    path,
    (c) => void c.backends.push({ name: "b", kind: "env", options: {} }),
    validate,
  );
  assert.equal(readConfigFile(path).backends.length, 1);
});

test("the watcher applies a valid change within 1 s and reports an invalid one", async () => {
  const { path } = fresh();
  const seen: number[] = [];
  const errors: string[] = [];
  const watcher = watchConfig(
    path,
    async (c) => void seen.push(c.backends.size),
    (r) => void errors.push(r),
    100,
  );
  try {
    await sleep(150);
    await updateConfigFile(
      path,
      (c) => void c.backends.push({ name: "b", kind: "env", options: {} }),
      validate,
    );
    const until = Date.now() + 1000;
    while (seen.length === 0 && Date.now() < until) await sleep(20);
    assert.deepEqual(seen, [1]);
    writeFileSync(path, "{broken");
    const until2 = Date.now() + 1000;
    while (errors.length === 0 && Date.now() < until2) await sleep(20);
    assert.equal(errors.length, 1);
    assert.deepEqual(seen, [1]);
  } finally {
    watcher.stop();
  }
});
