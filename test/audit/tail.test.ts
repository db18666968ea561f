/**
 * `audit tail`: the last N records across rotated files, and `--follow`, which must deliver new
 * records in order across rotation and never show a line before it is complete.
 */
import assert from "node:assert/strict";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuditRecord } from "../../src/audit/record.js";
import { followAudit, readTail } from "../../src/audit/tail.js";
import { openAuditWriter, type AuditWriter } from "../../src/audit/writer.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

async function writeLog(t: TestContext, count: number, maxFileBytes?: number): Promise<string> {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, maxFileBytes });
  for (let i = 0; i < count; i++) await w.append({ type: "deny", requestId: `r${i}` });
  await w.close();
  return dir;
}

/** Resolves once `records` holds `n` entries (polling; bounded by the test timeout). */
async function waitFor(records: AuditRecord[], n: number): Promise<void> {
  for (let i = 0; i < 400 && records.length < n; i++) await sleep(5);
}

const tails: [string, number, number[]][] = [
  ["the last 4 of 10 records span several files", 4, [6, 7, 8, 9]],
  ["asking for more records than exist returns them all", 50, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ["asking for none returns none", 0, []],
];
for (const [name, n, seqs] of tails) {
  test(name, async (t) => {
    const dir = await writeLog(t, 10, 300);
    assert.deepEqual(
      (await readTail(dir, n)).map((r) => r.seq),
      seqs,
    );
  });
}

test("readTail skips a torn last line", async (t) => {
  const dir = await writeLog(t, 3);
  await appendFile(join(dir, "audit-000000000000.jsonl"), '{"v":1,"seq":3');
  assert.deepEqual(
    (await readTail(dir, 2)).map((r) => r.seq),
    [1, 2],
  );
});

test("readTail refuses a corrupt complete line", async (t) => {
  const dir = await writeLog(t, 3);
  await appendFile(join(dir, "audit-000000000000.jsonl"), "nonsense\n");
  await assert.rejects(readTail(dir, 2), { code: "ERR_AUDIT_UNAVAILABLE" });
});

test("followAudit streams appended records in order across rotation", async (t) => {
  const dir = await makeTmpDir(t);
  const writer: AuditWriter = await openAuditWriter({ dir, maxFileBytes: 300 });
  await writer.append({ type: "start" });
  const seen: AuditRecord[] = [];
  const stop = new AbortController();
  const following = followAudit(dir, (r) => seen.push(r), stop.signal, {
    pollMs: 5,
    afterSeq: writer.head!.seq,
  });
  for (let i = 0; i < 8; i++) await writer.append({ type: "deny", requestId: `r${i}` });
  await waitFor(seen, 8);
  stop.abort();
  await following;
  await writer.close();
  assert.deepEqual(
    seen.map((r) => r.seq),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
});

test("followAudit without afterSeq starts at the end of the log", async (t) => {
  const dir = await writeLog(t, 3);
  const seen: AuditRecord[] = [];
  const stop = new AbortController();
  const following = followAudit(dir, (r) => seen.push(r), stop.signal, { pollMs: 5 });
  await sleep(100);
  const writer = await openAuditWriter({ dir });
  await writer.append({ type: "stop" });
  await writer.close();
  await waitFor(seen, 1);
  stop.abort();
  await following;
  assert.deepEqual(
    seen.map((r) => r.seq),
    [3],
  );
});

test("followAudit waits for a line to be complete before showing it", async (t) => {
  const dir = await writeLog(t, 2);
  const file = join(dir, "audit-000000000000.jsonl");
  const lines = (await readFile(file, "utf8")).split("\n");
  await writeFile(file, lines[0] + "\n");
  const seen: AuditRecord[] = [];
  const stop = new AbortController();
  const following = followAudit(dir, (r) => seen.push(r), stop.signal, { pollMs: 5, afterSeq: 0 });
  const half = Math.floor(lines[1]!.length / 2);
  await appendFile(file, lines[1]!.slice(0, half));
  await sleep(50);
  assert.equal(seen.length, 0);
  await appendFile(file, lines[1]!.slice(half) + "\n");
  await waitFor(seen, 1);
  stop.abort();
  await following;
  assert.deepEqual(
    seen.map((r) => r.requestId),
    ["r1"],
  );
});

test("followAudit on an empty directory picks up the first file when it appears", async (t) => {
  const dir = await makeTmpDir(t);
  const seen: AuditRecord[] = [];
  const stop = new AbortController();
  const following = followAudit(dir, (r) => seen.push(r), stop.signal, { pollMs: 5 });
  const writer = await openAuditWriter({ dir });
  await writer.append({ type: "start" });
  await writer.close();
  await waitFor(seen, 1);
  stop.abort();
  await following;
  assert.deepEqual(
    seen.map((r) => r.type),
    ["start"],
  );
});
