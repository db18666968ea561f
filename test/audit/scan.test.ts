/**
 * The start-up scan that rebuilds the replay store: it returns records inside the window, in
 * order, and never reads files that ended before it.
 */
import assert from "node:assert/strict";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { readRecordsSince } from "../../src/audit/scan.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const T0 = Date.parse("2030-01-01T00:00:00.000Z");

/** 10 records one second apart (record i at T0 + i s), about 3 per file. */
async function writeLog(t: TestContext): Promise<string> {
  const dir = await makeTmpDir(t);
  let n = 0;
  const w = await openAuditWriter({ dir, maxFileBytes: 500, now: () => new Date(T0 + 1000 * n++) });
  for (let i = 0; i < 10; i++) await w.append({ type: "release", requestId: `r${i}` });
  await w.close();
  return dir;
}

const windows: [string, number, number[]][] = [
  ["records at or after the window start are returned in order", T0 + 5000, [5, 6, 7, 8, 9]],
  ["a window before the log returns everything", T0 - 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ["a window after the log returns nothing", T0 + 60_000, []],
];
for (const [name, since, seqs] of windows) {
  test(name, async (t) => {
    const dir = await writeLog(t);
    assert.deepEqual(
      (await readRecordsSince(dir, since)).map((r) => r.seq),
      seqs,
    );
  });
}

test("files that end before the window are not read", async (t) => {
  const dir = await writeLog(t);
  const oldest = join(dir, "audit-000000000000.jsonl");
  const lines = (await readFile(oldest, "utf8")).split("\n");
  assert.ok(lines.length > 2, "the oldest file holds several records");
  await writeFile(oldest, ["garbage", ...lines.slice(1)].join("\n"));
  assert.deepEqual(
    (await readRecordsSince(dir, T0 + 8000)).map((r) => r.seq),
    [8, 9],
  );
  await assert.rejects(readRecordsSince(dir, T0), { code: "ERR_AUDIT_UNAVAILABLE" });
});

test("a torn last line is ignored", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, now: () => new Date(T0) });
  await w.append({ type: "release", requestId: "r0" });
  await w.close();
  await appendFile(join(dir, "audit-000000000000.jsonl"), '{"v":1,"seq":1,"ts":"2030');
  assert.deepEqual(
    (await readRecordsSince(dir, T0)).map((r) => r.requestId),
    ["r0"],
  );
});
