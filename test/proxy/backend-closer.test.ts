/**
 * Backends a reload replaces or removes are closed once in-flight fetches have had their grace;
 * the ones it keeps are not; stop closes everything, retiring ones included; a failing close is
 * logged by name and code and never blocks the rest.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend } from "../../src/backends/backend.js";
import { SigilError } from "../../src/errors.js";
import { createBackendCloser } from "../../src/proxy/backend-closer.js";
import type { RuntimeState } from "../../src/proxy/runtime.js";

function fakeBackend(name: string, closed: string[], fail = false): Backend {
  return {
    name,
    kind: "env",
    fetch: () => Promise.reject(new Error("unused")),
    async close() {
      closed.push(name);
      if (fail) throw new SigilError("ERR_BACKEND_FAILED", `backend ${name}: pool stuck`);
    },
  };
}

/** Only `backends` matters to the closer. */
const state = (...backends: Backend[]) =>
  ({ backends: new Map(backends.map((b) => [b.name, b])) }) as unknown as RuntimeState;

const tick = () => new Promise((r) => setTimeout(r, 5));

test("a reload closes replaced and removed backends after the grace, and keeps the reused", async () => {
  const closed: string[] = [];
  const logs: string[] = [];
  const closer = createBackendCloser({ log: (_l, msg) => logs.push(msg) });
  const kept = fakeBackend("kept", closed);
  const replacedOld = fakeBackend("replaced", closed);
  const removed = fakeBackend("removed", closed);
  const replacedNew = fakeBackend("replaced", closed);
  closer.retire(state(kept, replacedOld, removed), state(kept, replacedNew), 0);
  assert.deepEqual(closed, [], "nothing closes before the grace has passed");
  await tick();
  assert.deepEqual(closed.sort(), ["removed", "replaced"]);
  assert.deepEqual(logs, []);
});

test("stop closes every current backend and the retiring ones at once", async () => {
  const closed: string[] = [];
  const closer = createBackendCloser({ log: () => undefined });
  const a = fakeBackend("a", closed);
  const b = fakeBackend("b", closed);
  closer.retire(state(a, b), state(b), 60_000);
  await closer.closeAll(state(b));
  assert.deepEqual(closed.sort(), ["a", "b"]);
});

test("a failing close is logged without blocking the others", async () => {
  const closed: string[] = [];
  const logs: unknown[] = [];
  const closer = createBackendCloser({
    log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
  });
  await closer.closeAll(state(fakeBackend("bad", closed, true), fakeBackend("good", closed)));
  assert.deepEqual(closed.sort(), ["bad", "good"]);
  assert.deepEqual(logs, [
    {
      level: "warn",
      msg: "backend close failed",
      backend: "bad",
      code: "ERR_BACKEND_FAILED",
      reason: "backend bad: pool stuck",
    },
  ]);
});
