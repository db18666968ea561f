/**
 * `audit verify` must catch every kind of tampering and name the first bad line (1-based).
 * A log of 10 records is written by the real writer, then copies of it are tampered with.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { canonicalize } from "../../src/canonical-json.js";
import { verifyAuditDir, verifyAuditFile } from "../../src/audit/verify.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const FIRST = "audit-000000000000.jsonl";

async function writeLog(t: TestContext, count: number, maxFileBytes?: number): Promise<string> {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, maxFileBytes });
  for (let i = 0; i < count; i++) {
    await w.append({ type: "deny", requestId: `r${i}`, code: "ERR_NO_ROUTE", reason: "no route" });
  }
  await w.close();
  return dir;
}

/** Rewrites the single file of `dir` with `edit` applied to its lines (without trailing ""). */
async function tamper(dir: string, edit: (lines: string[]) => string[], end = "\n"): Promise<void> {
  const file = join(dir, FIRST);
  const lines = (await readFile(file, "utf8")).split("\n").slice(0, -1);
  await writeFile(file, edit(lines).join("\n") + end);
}

function reseal(line: string, change: (r: Record<string, unknown>) => void): string {
  const { hash: _old, ...rest } = JSON.parse(line) as Record<string, unknown>;
  change(rest);
  const hash = createHash("sha256").update(canonicalize(rest)).digest("hex");
  return canonicalize({ ...rest, hash });
}

test("an untouched log verifies with its count and head", async (t) => {
  const dir = await writeLog(t, 10);
  const result = await verifyAuditDir(dir);
  assert.equal(result.ok, true);
  assert.equal(result.ok && result.count, 10);
  assert.equal(result.ok && result.head?.seq, 9);
});

test("an empty or absent directory verifies as zero records", async (t) => {
  const dir = await makeTmpDir(t);
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 0, head: null });
  assert.deepEqual(await verifyAuditDir(join(dir, "none")), { ok: true, count: 0, head: null });
});

const swap = (a: number, b: number) => (l: string[]) => {
  const out = [...l];
  [out[a - 1], out[b - 1]] = [l[b - 1]!, l[a - 1]!];
  return out;
};
const tamperings: [string, (lines: string[]) => string[], number, string][] = [
  ["deleting line 5 is reported at line 5", (l) => l.filter((_, i) => i !== 4), 5, "seq"],
  ["deleting the first line is reported at line 1", (l) => l.slice(1), 1, "seq"],
  ["swapping lines 5 and 6 is reported at line 5", swap(5, 6), 5, "seq"],
  [
    "moving line 9 to the top is reported at line 1",
    (l) => [l[8]!, ...l.slice(0, 8), l[9]!],
    1,
    "seq",
  ],
  [
    "inserting a copy of line 3 at line 5 is reported at line 5",
    (l) => [...l.slice(0, 4), l[2]!, ...l.slice(4)],
    5,
    "seq",
  ],
  [
    "inserting a garbage line at line 4 is reported at line 4",
    (l) => [...l.slice(0, 3), "garbage", ...l.slice(3)],
    4,
    "JSON",
  ],
  [
    "inserting a blank line at line 4 is reported at line 4",
    (l) => [...l.slice(0, 3), "", ...l.slice(3)],
    4,
    "blank",
  ],
  [
    "editing the seq of line 7 is reported at line 7",
    (l) => l.map((x, i) => (i === 6 ? x.replace('"seq":6', '"seq":60') : x)),
    7,
    "hash",
  ],
  [
    "adding whitespace inside line 3 is reported at line 3",
    (l) => l.map((x, i) => (i === 2 ? x.replace('"seq":', '"seq": ') : x)),
    3,
    "canonical",
  ],
  [
    "duplicating a key in line 2 is reported at line 2",
    (l) => l.map((x, i) => (i === 1 ? x.replace("{", '{"code":"X",') : x)),
    2,
    "canonical",
  ],
  [
    "re-sealing an edited line 7 is reported at line 8",
    (l) => l.map((x, i) => (i === 6 ? reseal(x, (r) => (r.code = "OK")) : x)),
    8,
    "prev",
  ],
  [
    "a first record with a non-zero prev is reported at line 1",
    (l) => l.map((x, i) => (i === 0 ? reseal(x, (r) => (r.prev = "1".repeat(64))) : x)),
    1,
    "prev",
  ],
];
for (const [name, edit, line, reasonWord] of tamperings) {
  test(name, async (t) => {
    const dir = await writeLog(t, 10);
    await tamper(dir, edit);
    const result = await verifyAuditDir(dir);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.line, line, result.reason);
    assert.equal(result.file, join(dir, FIRST));
    assert.match(result.reason, new RegExp(reasonWord));
  });
}

test("flipping any single byte of line 7 is reported at line 7", async (t) => {
  const dir = await writeLog(t, 10);
  const file = join(dir, FIRST);
  const original = await readFile(file);
  const lines = original.toString("utf8").split("\n");
  const start = Buffer.byteLength(lines.slice(0, 6).join("\n") + "\n");
  const length = Buffer.byteLength(lines[6]!);
  for (let i = start; i < start + length; i++) {
    const copy = Buffer.from(original);
    copy[i] = copy[i] === 0x41 ? 0x42 : 0x41;
    await writeFile(file, copy);
    const result = await verifyAuditDir(dir);
    assert.equal(result.ok, false, `byte ${i - start} of line 7 flipped unnoticed`);
    assert.equal(!result.ok && result.line, 7, `byte ${i - start} reported elsewhere`);
  }
});

test("a torn last line is reported with its line number", async (t) => {
  const dir = await writeLog(t, 3);
  await tamper(dir, (l) => [...l, '{"v":1,"se'], "");
  const result = await verifyAuditDir(dir);
  assert.deepEqual(result, {
    ok: false,
    file: join(dir, FIRST),
    line: 4,
    seq: null,
    reason: "last line is incomplete (torn write)",
  });
});

test("the failure names the seq the bad line claims", async (t) => {
  const dir = await writeLog(t, 10);
  await tamper(dir, swap(5, 6));
  const result = await verifyAuditDir(dir);
  assert.equal(!result.ok && result.seq, 5);
});

test("links are checked across files, and a deleted middle file is caught at the next file", async (t) => {
  const dir = await writeLog(t, 6, 1);
  assert.deepEqual((await verifyAuditDir(dir)).ok, true);
  await rm(join(dir, "audit-000000000003.jsonl"));
  const result = await verifyAuditDir(dir);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.file, join(dir, "audit-000000000004.jsonl"));
  assert.equal(!result.ok && result.line, 1);
});

test("a file whose name does not match its first record is reported", async (t) => {
  const dir = await writeLog(t, 3, 1);
  const second = join(dir, "audit-000000000001.jsonl");
  await writeFile(second, await readFile(join(dir, "audit-000000000002.jsonl")));
  const result = await verifyAuditDir(dir);
  assert.equal(!result.ok && result.file, second);
  assert.match(!result.ok ? result.reason : "", /file name/);
});

test("a single middle file verifies on its own internal links", async (t) => {
  const dir = await writeLog(t, 30, 1000);
  const middle = (await readdir(dir)).sort()[1]!;
  const result = await verifyAuditFile(join(dir, middle));
  assert.equal(result.ok, true);
  assert.ok(result.ok && result.count > 0);
});

test("a single file starting at seq 0 must start from the zero hash", async (t) => {
  const dir = await writeLog(t, 3);
  await tamper(dir, (l) => [reseal(l[0]!, (r) => (r.prev = "f".repeat(64))), ...l.slice(1)]);
  const result = await verifyAuditFile(join(dir, FIRST));
  assert.equal(!result.ok && result.line, 1);
});

test("progress is reported in order across files and ends at every byte and record", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, maxFileBytes: 1024 * 1024 });
  await Promise.all(
    Array.from({ length: 10_000 }, (_, i) =>
      w.append({ type: "deny", requestId: `r${i}`, code: "ERR_NO_ROUTE", reason: "no route" }),
    ),
  );
  await w.close();
  assert.ok((await readdir(dir)).length >= 2, "the log should span several files");
  const seen: { records: number; bytes: number; totalBytes: number }[] = [];
  const result = await verifyAuditDir(dir, (p) => seen.push({ ...p }));
  assert.equal(result.ok, true);
  assert.ok(seen.length >= 2);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i]!.bytes >= seen[i - 1]!.bytes && seen[i]!.records >= seen[i - 1]!.records);
  }
  const last = seen.at(-1)!;
  assert.deepEqual(last, { records: 10_000, bytes: last.totalBytes, totalBytes: last.totalBytes });
  assert.ok(seen[0]!.bytes < last.totalBytes);
});
