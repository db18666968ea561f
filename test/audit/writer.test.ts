/**
 * The writer's chain, group commit, rotation and reopen. Hashes are recomputed here from the spec
 * (SHA-256 of JCS without `hash`) rather than with the writer's own helpers.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { canonicalize } from "../../src/canonical-json.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const T0 = Date.parse("2030-01-01T00:00:00.000Z");

function steppingClock(stepMs = 1000): () => Date {
  let n = 0;
  return () => new Date(T0 + stepMs * n++);
}

async function readLines(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), "utf8")));
  return texts
    .join("")
    .split("\n")
    .filter((l) => l !== "");
}

function specHash(record: AuditRecord): string {
  const { hash: _ignored, ...rest } = record;
  return createHash("sha256").update(canonicalize(rest)).digest("hex");
}

test("records form a hash chain from 64 zeros, in canonical lines, with the injected clock", async (t) => {
  const dir = join(await makeTmpDir(t), "audit");
  const w = await openAuditWriter({ dir, now: steppingClock() });
  const inputs = [
    { type: "start", version: "0.1.0", listen: "127.0.0.1:10255", pid: 42 },
    { type: "deny", requestId: "r1", code: "ERR_NO_ROUTE", reason: "no route", host: "x.test" },
    { type: "config", configHash: "ab".repeat(32) },
    { type: "stop", reason: "SIGTERM" },
  ];
  const records: AuditRecord[] = [];
  for (const input of inputs) records.push(await w.append(input));
  await w.close();

  const lines = await readLines(dir);
  assert.equal(lines.length, 4);
  lines.forEach((line, i) => {
    const r = JSON.parse(line) as AuditRecord;
    assert.deepEqual(r, records[i]);
    assert.equal(line, canonicalize(r));
    assert.equal(r.v, 1);
    assert.equal(r.seq, i);
    assert.equal(r.ts, new Date(T0 + 1000 * i).toISOString());
    assert.equal(r.prev, i === 0 ? "0".repeat(64) : records[i - 1]!.hash);
    assert.equal(r.hash, specHash(r));
  });
  assert.equal(records[1]!.code, "ERR_NO_ROUTE");
  assert.deepEqual(await verifyAuditDir(dir), {
    ok: true,
    count: 4,
    head: { seq: 3, hash: records[3]!.hash },
  });
});

test("the audit directory and files are private (0700 / 0600)", async (t) => {
  const dir = join(await makeTmpDir(t), "audit");
  const w = await openAuditWriter({ dir });
  await w.append({ type: "start" });
  await w.close();
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, "audit-000000000000.jsonl"))).mode & 0o777, 0o600);
});

test("optional fields left undefined are omitted, not refused", async (t) => {
  const w = await openAuditWriter({ dir: await makeTmpDir(t) });
  const r = await w.append({
    type: "deny",
    requestId: "r",
    code: "C",
    reason: "x",
    agent: undefined,
  });
  await w.close();
  assert.equal(Object.prototype.hasOwnProperty.call(r, "agent"), false);
});

const badInputs: [string, unknown, string][] = [
  ["an input that sets seq is refused", { type: "start", seq: 7 }, "ERR_INTERNAL"],
  ["an input that sets hash is refused", { type: "config", hash: "x" }, "ERR_INTERNAL"],
  ["an input without a type is refused", { reason: "x" }, "ERR_INTERNAL"],
  ["an input that is not plain JSON is refused", { type: "x", n: Number.NaN }, "ERR_INTERNAL"],
];
for (const [name, input, code] of badInputs) {
  test(name + " without disturbing the chain", async (t) => {
    const dir = await makeTmpDir(t);
    const w = await openAuditWriter({ dir });
    const good = w.append({ type: "start" });
    await assert.rejects(w.append(input as never), { code });
    const after = await w.append({ type: "stop" });
    await good;
    await w.close();
    assert.equal(after.seq, 1);
    assert.equal((await verifyAuditDir(dir)).ok, true);
  });
}

test("200 concurrent appends are group-committed into a few batches with contiguous seqs", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  const all = await Promise.all(
    Array.from({ length: 200 }, (_, i) => w.append({ type: "deny", requestId: `r${i}` })),
  );
  const stats = w.stats();
  await w.close();
  assert.deepEqual(
    all.map((r) => r.seq),
    Array.from({ length: 200 }, (_, i) => i),
  );
  assert.deepEqual(
    all.map((r) => r.requestId),
    Array.from({ length: 200 }, (_, i) => `r${i}`),
  );
  assert.equal(stats.records, 200);
  assert.ok(stats.batches <= 5, `expected a few batches, got ${stats.batches}`);
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 200, head: w.head });
});

test("seq continues across rotation and the files are named after their first seq", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, maxFileBytes: 1 });
  for (let i = 0; i < 5; i++) await w.append({ type: "deny", requestId: `r${i}` });
  await w.close();
  assert.deepEqual((await readdir(dir)).sort(), [
    "audit-000000000000.jsonl",
    "audit-000000000001.jsonl",
    "audit-000000000002.jsonl",
    "audit-000000000003.jsonl",
    "audit-000000000004.jsonl",
  ]);
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 5, head: w.head });
});

test("a file keeps receiving batches until it reaches maxFileBytes", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir, maxFileBytes: 600 });
  for (let i = 0; i < 12; i++) await w.append({ type: "deny", requestId: `r${i}` });
  await w.close();
  const names = await readdir(dir);
  assert.ok(names.length > 1 && names.length < 12, `got ${names.length} files`);
  assert.equal((await verifyAuditDir(dir)).ok, true);
});

test("seq and prev continue after the writer is closed and reopened", async (t) => {
  const dir = await makeTmpDir(t);
  const first = await openAuditWriter({ dir, maxFileBytes: 400 });
  for (let i = 0; i < 4; i++) await first.append({ type: "deny", requestId: `r${i}` });
  const head = first.head;
  await first.close();

  const second = await openAuditWriter({ dir, maxFileBytes: 400 });
  assert.deepEqual(second.head, head);
  const next = await second.append({ type: "start" });
  await second.close();
  assert.equal(next.seq, 4);
  assert.equal(next.prev, head!.hash);
  assert.deepEqual(await verifyAuditDir(dir), { ok: true, count: 5, head: second.head });
});

test("an empty directory opens with no head, and appends after close are refused", async (t) => {
  const w = await openAuditWriter({ dir: await makeTmpDir(t) });
  assert.equal(w.head, null);
  await w.close();
  await assert.rejects(w.append({ type: "start" }), { code: "ERR_AUDIT_UNAVAILABLE" });
});

test("a record is taken as it was when appended, not as its object is later", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  const input = { type: "deny", requestId: "r1", agent: { id: "a1", name: "one" }, tags: ["x"] };
  const pending = w.append(input, { lazy: true });
  input.requestId = "changed";
  input.agent.name = "changed";
  input.tags.push("changed");
  const record = await pending;
  await w.close();
  assert.equal(record.requestId, "r1");
  assert.deepEqual(record.agent, { id: "a1", name: "one" });
  assert.deepEqual(record.tags, ["x"]);
  const [line] = await readLines(dir);
  assert.deepEqual(JSON.parse(line!), record);
});

test("a member named __proto__ is stored as a member", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  const record = await w.append(JSON.parse('{"type":"deny","__proto__":{"x":1}}') as never);
  await w.close();
  assert.equal(Object.getPrototypeOf(record), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(record, "__proto__")?.value, { x: 1 });
  const [line] = await readLines(dir);
  assert.ok(line!.startsWith('{"__proto__":{"x":1},"hash":'), line);
  assert.equal((await verifyAuditDir(dir)).ok, true);
});

test("a cyclic input is refused alone as not plain JSON", async (t) => {
  const dir = await makeTmpDir(t);
  const w = await openAuditWriter({ dir });
  const cyclic: Record<string, unknown> = { type: "deny", agent: { id: "a" } };
  (cyclic.agent as Record<string, unknown>).self = cyclic.agent;
  await assert.rejects(w.append(cyclic as never), {
    code: "ERR_INTERNAL",
    reason: "audit record is not plain JSON",
  });
  assert.equal((await w.append({ type: "stop" })).seq, 0);
  await w.close();
});
