/**
 * The one abort race every credential fetch goes through (src/backends/abort.ts): the result when
 * it comes first, the abort's SigilError when that comes first, and a credential that arrives
 * after the abort handed to `onLate` exactly once (so it is released, never leaked).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { abortError, raceAbort } from "../../src/backends/abort.js";
import { SigilError } from "../../src/errors.js";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const toError = (reason: unknown) => abortError(reason, "too slow");

test("the work's value wins when it settles first, and nothing is late", async () => {
  const c = new AbortController();
  const late: string[] = [];
  const out = await raceAbort(Promise.resolve("cred"), c.signal, toError, (v) => late.push(v));
  c.abort(new SigilError("ERR_DEADLINE_EXCEEDED", "deadline"));
  assert.equal(out, "cred");
  assert.deepEqual(late, []);
});

test("an abort rejects at once with the abort's own SigilError; the late value goes to onLate", async () => {
  const c = new AbortController();
  const work = deferred<string>();
  const late: string[] = [];
  const race = raceAbort(work.promise, c.signal, toError, (v) => late.push(v));
  c.abort(new SigilError("ERR_DEADLINE_EXCEEDED", "deadline"));
  await assert.rejects(race, { code: "ERR_DEADLINE_EXCEEDED" });
  work.resolve("late-cred");
  await work.promise;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(late, ["late-cred"]);
});

test("an abort without a SigilError reason is ERR_BACKEND_TIMEOUT", async () => {
  const c = new AbortController();
  c.abort();
  const late: string[] = [];
  const work = Promise.resolve("cred");
  await assert.rejects(
    raceAbort(work, c.signal, toError, (v) => late.push(v)),
    {
      code: "ERR_BACKEND_TIMEOUT",
      reason: "too slow",
    },
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(late, ["cred"], "a pre-aborted race still releases what the work yields");
});

test("the work's own failure passes through unchanged", async () => {
  const c = new AbortController();
  const failure = new SigilError("ERR_BACKEND_FAILED", "denied");
  await assert.rejects(raceAbort(Promise.reject(failure), c.signal, toError), (e) => e === failure);
});
