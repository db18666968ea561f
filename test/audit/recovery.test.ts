/**
 * Start-up recovery: a torn last line (crash mid-write) is cut off and recorded; a last line that
 * is complete but not a valid record means the log cannot be trusted, so the writer refuses to open.
 */
import assert from "node:assert/strict";
import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const FIRST = "audit-000000000000.jsonl";

async function logWith(t: Parameters<typeof makeTmpDir>[0], count: number): Promise<string> {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  for (let i = 0; i < count; i++) await w.append({ type: "deny", requestId: `r${i}` });
  await w.close();
  return dir;
}

test("a torn last line is cut off and a recovery record says so", async (t) => {
  const dir = await logWith(t, 3);
  const file = join(dir, FIRST);
  const intact = (await stat(file)).size;
  const garbage = '{"v":1,"seq":3,"ts":"2030-01-01T00:00:00.0' + "x".repeat(2000);
  await appendFile(file, garbage);

  const w = await openAuditWriter({ dir });
  await w.close();
  const lines = (await readFile(file, "utf8")).split("\n");
  assert.equal(lines.at(-1), "", "file ends with a newline");
  const recovery = JSON.parse(lines.at(-2)!);
  assert.equal(recovery.type, "recovery");
  assert.equal(recovery.seq, 3);
  assert.equal(recovery.file, FIRST);
  assert.equal(recovery.truncatedBytes, Buffer.byteLength(garbage));
  assert.ok(!lines.some((l) => l.includes('"ts":"2030-01-01T00:00:00.0"')));
  assert.ok((await stat(file)).size > intact);
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 4, head: w.head });
});

test("a file holding only a torn line is emptied, and the chain starts at seq 0", async (t) => {
  const dir = await makeTmpDir(t);
  await writeFile(join(dir, FIRST), '{"v":1,"se');
  const w = await openAuditWriter({ dir });
  await w.close();
  assert.equal(w.head?.seq, 0);
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 1, head: w.head });
});

test("an empty newest file (crash right after rotation) is adopted", async (t) => {
  const dir = await logWith(t, 2);
  await writeFile(join(dir, "audit-000000000002.jsonl"), "");
  const w = await openAuditWriter({ dir });
  const r = await w.append({ type: "start" });
  await w.close();
  assert.equal(r.seq, 2);
  assert.match(await readFile(join(dir, "audit-000000000002.jsonl"), "utf8"), /"seq":2/);
  assert.equal((await verifyAuditDir(dir)).ok, true);
});

const corruptions: [string, (line: string) => string][] = [
  ["a last line that is not JSON", () => "not json at all"],
  [
    "a last line whose content was edited",
    (l) => l.replace('"requestId":"r2"', '"requestId":"rX"'),
  ],
  ["a last line that is JSON but not a record", () => "{}"],
  ["a blank last line", () => ""],
];
for (const [name, corrupt] of corruptions) {
  test(`${name} makes the writer refuse to open`, async (t) => {
    const dir = await logWith(t, 3);
    const file = join(dir, FIRST);
    const lines = (await readFile(file, "utf8")).split("\n").slice(0, -1);
    lines[2] = corrupt(lines[2]!);
    await writeFile(file, lines.join("\n") + "\n");
    await assert.rejects(openAuditWriter({ dir }), {
      code: "ERR_AUDIT_UNAVAILABLE",
      reason: "audit log is corrupt; run audit verify",
    });
  });
}

test("an empty newest file whose name does not continue the chain is refused", async (t) => {
  const dir = await logWith(t, 2);
  await writeFile(join(dir, "audit-000000000009.jsonl"), "");
  await assert.rejects(openAuditWriter({ dir }), { code: "ERR_AUDIT_UNAVAILABLE" });
});
