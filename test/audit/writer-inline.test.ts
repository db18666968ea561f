/**
 * The writer's inline path: a batch the policy sends inline is written synchronously (durable
 * before the event loop turns), reported like any other, and fails closed exactly like the
 * thread-pool path: every append in it rejects and the partial write is cut back.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { InlineWritePolicy } from "../../src/audit/inline-writes.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { fileLimitSkip, runWithFileLimit } from "../helpers/file-limit.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const FIRST = "audit-000000000000.jsonl";

/** Says `inline` to every batch and remembers what the writer told it. */
function spyPolicy(inline: boolean) {
  const calls = { asked: [] as number[], observed: 0, resets: 0 };
  const policy: InlineWritePolicy = {
    shouldInline: (records) => {
      calls.asked.push(records);
      return inline;
    },
    observe: () => void calls.observed++,
    reset: () => void calls.resets++,
  };
  return { policy, calls };
}

test("an inline batch is durable and resolved before the event loop turns", async (t) => {
  const dir = await makeTmpDir(t);
  const { policy } = spyPolicy(true);
  const reported: [number, number, readonly AuditRecord[]][] = [];
  const w = await openAuditWriter({
    dir,
    inlineWrites: policy,
    onDurableWrite: (ms, n, records) => reported.push([ms, n, records]),
  });
  await w.append({ type: "start" }); // creates the file, which is not inline
  let turned = false;
  setImmediate(() => (turned = true));
  const record = await w.append({ type: "config" });
  assert.equal(turned, false, "the write went through the thread pool");
  const lines = (await readFile(join(dir, FIRST), "utf8")).trimEnd().split("\n");
  assert.deepEqual(JSON.parse(lines[1]!), record);
  assert.equal(reported.length, 2);
  assert.equal(reported[1]![1], 1);
  assert.deepEqual(reported[1]![2], [record]);
  assert.ok(reported[1]![0] >= 0);
  await w.close();
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 2, head: w.head });
});

test("the writer asks the policy with each batch's size and reports each outcome", async (t) => {
  const dir = await makeTmpDir(t);
  const { policy, calls } = spyPolicy(false);
  const w = await openAuditWriter({ dir, inlineWrites: policy });
  await w.append({ type: "start" });
  await Promise.all([1, 2, 3].map((i) => w.append({ type: "deny", requestId: `r${i}` })));
  assert.deepEqual(calls.asked, [1, 3]);
  assert.equal(calls.observed, 2);
  await w.append({ type: "input that is refused alone", n: Number.NaN }).catch(() => {});
  assert.deepEqual(calls.asked, [1, 3], "a refused input never reaches a batch");
  await w.close();
});

/** Runs in a child limited to 4 KiB files (RLIMIT_FSIZE), every batch inline. */
const INLINE_FILE_LIMIT_CHILD = `
import { stat } from "node:fs/promises";
const { openAuditWriter } = await import(process.argv[1]);
process.on("SIGXFSZ", () => {}); // get EFBIG from write() instead of being killed
const dir = process.argv[2];
const file = dir + "/audit-000000000000.jsonl";
let inline = 0, resets = 0;
const inlineWrites = {
  shouldInline: () => (inline++, true),
  observe: () => {},
  reset: () => void resets++,
};
const w = await openAuditWriter({ dir, inlineWrites });
for (let i = 0; i < 5; i++) await w.append({ type: "deny", requestId: "r" + i });
const before = (await stat(file)).size;
const big = [w.append({ type: "deny", pad: "x".repeat(4000) }), w.append({ type: "deny", requestId: "same batch" })];
const results = await Promise.allSettled(big);
const after = (await stat(file)).size;
const next = await w.append({ type: "stop" }).then((r) => r.seq, (e) => e.code);
await w.close();
console.log(JSON.stringify({ before, codes: results.map((r) => r.reason?.code ?? "ok"), after, next, inline, resets }));
`;

test("an inline write that fails part-way rejects its whole batch and is cut back off", async (t) => {
  const skip = fileLimitSkip();
  if (skip) return t.skip(skip);
  const dir = await makeTmpDir(t);
  const writerModule = new URL("../../src/audit/writer.js", import.meta.url).href;
  const result = (await runWithFileLimit(INLINE_FILE_LIMIT_CHILD, [writerModule, dir])) as Record<
    string,
    unknown
  >;
  assert.deepEqual(result, {
    before: result.before,
    codes: ["ERR_AUDIT_UNAVAILABLE", "ERR_AUDIT_UNAVAILABLE"],
    after: result.before,
    next: 5,
    inline: 7,
    resets: 1,
  });
  const verdict = await verifyAuditDir(dir);
  assert.equal(verdict.ok, true);
  assert.equal(verdict.ok && verdict.count, 6);
});
