/**
 * The line readers under verify, scan and tail: lines longer than a read chunk, blank lines and a
 * torn fragment must come out exactly as written, forwards and backwards.
 */
import assert from "node:assert/strict";
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { completeEnd, readLinesBackward } from "../../src/audit/backward-lines.js";
import { readLinesForward } from "../../src/audit/forward-lines.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const long = "b".repeat(1536 * 1024); // spans read chunks both ways
const lines = ["a", long, "", "é€😀", "c".repeat(70 * 1024), "z"];
const content = lines.join("\n") + "\n" + "torn";

test("forward reading yields every line, its end offset, and the torn fragment", async (t) => {
  const file = join(await makeTmpDir(t), "f.jsonl");
  await writeFile(file, content);
  const got: { text: string; complete: boolean; end: number }[] = [];
  for await (const line of readLinesForward(file)) got.push(line);
  assert.deepEqual(
    got.map((l) => l.text),
    [...lines, "torn"],
  );
  assert.deepEqual(
    got.map((l) => l.complete),
    [true, true, true, true, true, true, false],
  );
  const prefix = Buffer.byteLength(lines.slice(0, 4).join("\n") + "\n");
  assert.equal(got[3]!.end, prefix);
  assert.equal(got.at(-1)!.end, Buffer.byteLength(content));
});

test("forward reading from an offset starts at that line", async (t) => {
  const file = join(await makeTmpDir(t), "f.jsonl");
  await writeFile(file, content);
  const from = Buffer.byteLength(lines.slice(0, 2).join("\n") + "\n");
  const got: string[] = [];
  for await (const line of readLinesForward(file, from)) got.push(line.text);
  assert.deepEqual(got, [...lines.slice(2), "torn"]);
});

test("backward reading yields complete lines last first, skipping the torn fragment", async (t) => {
  const file = join(await makeTmpDir(t), "f.jsonl");
  await writeFile(file, content);
  const fh = await open(file, "r");
  try {
    const end = await completeEnd(fh, Buffer.byteLength(content));
    assert.equal(end, Buffer.byteLength(content) - 4);
    const got: string[] = [];
    for await (const line of readLinesBackward(fh, end)) got.push(line.text);
    assert.deepEqual(got, [...lines].reverse());
  } finally {
    await fh.close();
  }
});
