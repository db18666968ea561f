import { test } from "node:test";
import assert from "node:assert/strict";
import { createEnvBackend } from "../../src/backends/env.js";
import { SigilError } from "../../src/errors.js";

const signal = new AbortController().signal;
const env = {
  PLAIN: "sk-plain",
  JSONV: JSON.stringify({ username: "u", password: "p", n: 3 }),
  APP_KEY: "app",
  EMPTY: "",
};
const isCode = (code: string) => (e: unknown) => e instanceof SigilError && e.code === code;

test("the secret ref names the variable, read at request time", async () => {
  const live: NodeJS.ProcessEnv = { ...env };
  const backend = createEnvBackend("e", {}, live);
  const first = await backend.fetch("PLAIN", { signal });
  assert.equal(first.fields.get("value")?.toString(), "sk-plain");
  live["PLAIN"] = "sk-rotated";
  const second = await backend.fetch("PLAIN", { signal });
  assert.equal(second.fields.get("value")?.toString(), "sk-rotated");
});

test("release zeroes every field buffer", async () => {
  const cred = await createEnvBackend("e", {}, env).fetch("JSONV", { signal });
  const buffers = [...cred.fields.values()];
  await cred.release();
  for (const b of buffers) assert.ok(b.every((byte) => byte === 0));
});

test("a JSON object value yields one field per key, and #field selects one as value", async () => {
  const backend = createEnvBackend("e", {}, env);
  const all = await backend.fetch("JSONV", { signal });
  assert.deepEqual([...all.fields.keys()].sort(), ["n", "password", "username", "value"]);
  const one = await backend.fetch("JSONV#password", { signal });
  assert.equal(one.fields.get("value")?.toString(), "p");
  await assert.rejects(backend.fetch("JSONV#nope", { signal }), isCode("ERR_BACKEND_FAILED"));
});

test("option var is the default variable and prefix restricts which may be read", async () => {
  const backend = createEnvBackend("e", { var: "APP_KEY", prefix: "APP_" }, env);
  assert.equal((await backend.fetch("", { signal })).fields.get("value")?.toString(), "app");
  await assert.rejects(backend.fetch("PLAIN", { signal }), isCode("ERR_BACKEND_FAILED"));
});

test("missing, empty or malformed variables fail without naming a value", async () => {
  const backend = createEnvBackend("e", {}, env);
  for (const ref of ["NOPE", "EMPTY", "bad-name", ""]) {
    await assert.rejects(backend.fetch(ref, { signal }), (e: unknown) => {
      assert.ok(isCode("ERR_BACKEND_FAILED")(e));
      assert.ok(!(e as Error).message.includes("sk-"));
      return true;
    });
  }
});
