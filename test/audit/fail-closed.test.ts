/**
 * Fail closed (spec §8): when a batch cannot be made durable every append in it rejects with
 * ERR_AUDIT_UNAVAILABLE, nothing is left behind, and the chain resumes intact once the disk is
 * writable again. These run as root too, where only the writer's own mode check stops writes.
 */
import assert from "node:assert/strict";
import { chmod, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { fileLimitSkip, runWithFileLimit } from "../helpers/file-limit.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const FIRST = "audit-000000000000.jsonl";

const readOnlyCases: [string, { dir: number; file: number }][] = [
  ["a read-only directory and file", { dir: 0o500, file: 0o400 }],
  ["a read-only directory alone", { dir: 0o500, file: 0o600 }],
  ["a read-only file alone", { dir: 0o700, file: 0o400 }],
];
for (const [name, modes] of readOnlyCases) {
  test(`${name} makes appends fail closed until writable again`, async (t) => {
    const dir = await makeTmpDir(t);
    const file = join(dir, FIRST);
    const w = await openAuditWriter({ dir });
    await w.append({ type: "start" });
    const head = w.head;
    const before = await readFile(file);

    await chmod(file, modes.file);
    await chmod(dir, modes.dir);
    let refused: PromiseSettledResult<unknown>[];
    try {
      refused = await Promise.allSettled([
        w.append({ type: "release", requestId: "a" }),
        w.append({ type: "release", requestId: "b" }),
      ]);
    } finally {
      await chmod(dir, 0o700);
      await chmod(file, 0o600);
    }
    for (const r of refused) {
      assert.equal(r.status, "rejected");
      assert.equal((r as PromiseRejectedResult).reason.code, "ERR_AUDIT_UNAVAILABLE");
      assert.equal(
        (r as PromiseRejectedResult).reason.reason,
        "audit log could not be made durable",
      );
    }
    assert.deepEqual(await readFile(file), before, "nothing was written");
    assert.deepEqual(w.head, head);
    assert.equal(w.stats().failedBatches > 0, true);

    const resumed = await w.append({ type: "release", requestId: "c" });
    await w.close();
    assert.equal(resumed.seq, 1);
    assert.equal(resumed.prev, head!.hash);
    assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 2, head: w.head });
  });
}

test("a deleted audit file makes appends fail closed", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  await w.append({ type: "start" });
  await unlink(join(dir, FIRST));
  await assert.rejects(w.append({ type: "stop" }), { code: "ERR_AUDIT_UNAVAILABLE" });
  await w.close();
});

test("an audit file moved aside makes appends fail closed", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  await w.append({ type: "start" });
  await rename(join(dir, FIRST), join(dir, "moved.jsonl"));
  await assert.rejects(w.append({ type: "stop" }), { code: "ERR_AUDIT_UNAVAILABLE" });
  await w.close();
});

test("a vanished audit directory makes appends fail closed", async (t) => {
  const root = await makeTmpDir(t);
  const dir = join(root, "audit");
  const w = await openAuditWriter({ dir });
  await w.append({ type: "start" });
  await rename(dir, join(root, "elsewhere"));
  await assert.rejects(w.append({ type: "stop" }), { code: "ERR_AUDIT_UNAVAILABLE" });
  await w.close();
});

test("a read-only directory stops rotation into a new file", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, maxFileBytes: 1 });
  await w.append({ type: "start" });
  await chmod(dir, 0o500);
  try {
    await assert.rejects(w.append({ type: "stop" }), { code: "ERR_AUDIT_UNAVAILABLE" });
  } finally {
    await chmod(dir, 0o700);
  }
  assert.deepEqual(await readdir(dir), [FIRST], "no new file was created");
  assert.equal((await w.append({ type: "stop" })).seq, 1);
  await w.close();
  assert.equal((await verifyAuditDir(dir)).ok, true);
});

/** Runs in a child limited to 4 KiB files (RLIMIT_FSIZE): a big batch is cut off mid-write. */
const FILE_LIMIT_CHILD = `
import { stat } from "node:fs/promises";
const { openAuditWriter } = await import(process.argv[1]);
process.on("SIGXFSZ", () => {}); // get EFBIG from write() instead of being killed
const dir = process.argv[2];
const file = dir + "/audit-000000000000.jsonl";
const w = await openAuditWriter({ dir });
for (let i = 0; i < 5; i++) await w.append({ type: "deny", requestId: "r" + i });
const before = (await stat(file)).size;
const big = await w.append({ type: "deny", pad: "x".repeat(4000) }).then(() => "ok", (e) => e.code);
const after = (await stat(file)).size;
const next = await w.append({ type: "stop" }).then((r) => r.seq, (e) => e.code);
await w.close();
console.log(JSON.stringify({ before, big, after, next }));
`;

test("a write that fails part-way is rejected, cut back off, and the chain carries on", async (t) => {
  const skip = fileLimitSkip();
  if (skip) return t.skip(skip);
  const dir = await makeTmpDir(t);
  const writerModule = new URL("../../src/audit/writer.js", import.meta.url).href;
  const result = (await runWithFileLimit(FILE_LIMIT_CHILD, [writerModule, dir])) as {
    before: number;
    big: string;
    after: number;
    next: unknown;
  };
  assert.equal(result.big, "ERR_AUDIT_UNAVAILABLE");
  assert.equal(result.after, result.before, "the partial write was truncated away");
  assert.equal(result.next, 5);
  const verdict = await verifyAuditDir(dir);
  assert.equal(verdict.ok, true);
  assert.equal(verdict.ok && verdict.count, 6);
});
