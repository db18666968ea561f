/**
 * The no-quiet-skip rule: outside CI a missing tool skips with its reason; under CI=true the same
 * call throws, so a test file that would skip fails to load and the run fails. Checked in a child
 * process whose environment is set at spawn (this process's env is never edited).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { isCi } from "../helpers/skip.js";

const SKIP_MODULE = new URL("../helpers/skip.js", import.meta.url).href;
const CHILD = `
const { skipUnless } = await import(process.argv[1]);
console.log(JSON.stringify([skipUnless(true, "present"), skipUnless(false, "tool X is missing")]));
`;

async function runChild(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", CHILD, SKIP_MODULE],
      { env },
    );
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, out: e.stderr };
  }
}

test("outside CI a missing tool yields its reason as the skip", async () => {
  const { code, out } = await runChild({ PATH: process.env["PATH"] ?? "" });
  assert.equal(code, 0, out);
  assert.deepEqual(JSON.parse(out), [false, "tool X is missing"]);
});

test("under CI=true a missing tool fails instead of skipping", async () => {
  const { code, out } = await runChild({ PATH: process.env["PATH"] ?? "", CI: "true" });
  assert.equal(code, 1);
  assert.match(out, /CI=true, and a test would skip: tool X is missing/);
});

test("CI is recognised as true or 1 only", () => {
  assert.equal(isCi({ CI: "true" }), true);
  assert.equal(isCi({ CI: "1" }), true);
  assert.equal(isCi({ CI: "false" }), false);
  assert.equal(isCi({}), false);
});
