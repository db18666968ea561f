import { test } from "node:test";
import assert from "node:assert/strict";
import { createCredential } from "../../src/backends/backend.js";
import { compileInjector, DEFAULT_INJECT } from "../../src/inject/index.js";
import type { OutboundRequest } from "../../src/inject/injector.js";
import { SigilError } from "../../src/errors.js";

const cred = (fields: Record<string, string>) =>
  createCredential(new Map(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v)])));
const req = (path = "/v1/x", headers: OutboundRequest["headers"] = {}): OutboundRequest => ({
  method: "GET",
  path,
  host: "api.example.com",
  headers,
});

test("the default spec sets Authorization: Bearer {value}, replacing the agent's", () => {
  const out = req("/v1/x", { authorization: "Bearer agent-supplied" });
  compileInjector(DEFAULT_INJECT).apply(out, cred({ value: "sk-1" }));
  assert.equal(out.headers["authorization"], "Bearer sk-1");
});

test("header templates can use any credential field", () => {
  const out = req();
  const inj = compileInjector("header:X-Api-Key=token {token}");
  assert.deepEqual(inj.requiredFields, ["token"]);
  inj.apply(out, cred({ token: "t-1" }));
  assert.equal(out.headers["x-api-key"], "token t-1");
});

test("basic builds Authorization from username and password", () => {
  const out = req();
  compileInjector("basic").apply(out, cred({ username: "u", password: "p:w" }));
  assert.equal(out.headers["authorization"], `Basic ${Buffer.from("u:p:w").toString("base64")}`);
});

test("query sets one parameter and drops any the agent sent under that name", () => {
  const out = req("/v1/x?a=1&key=agent&b=2");
  compileInjector("query:key").apply(out, cred({ value: "s e/cret" }));
  assert.equal(out.path, "/v1/x?a=1&b=2&key=s%20e%2Fcret");
  const bare = req("/v1/y");
  compileInjector("query:key").apply(bare, cred({ value: "v" }));
  assert.equal(bare.path, "/v1/y?key=v");
});

test("a credential with CR or LF cannot split a header", () => {
  const out = req();
  assert.throws(
    () => compileInjector(DEFAULT_INJECT).apply(out, cred({ value: "x\r\nX-Evil: 1" })),
    (e: unknown) => e instanceof SigilError && e.code === "ERR_INJECTION_FAILED",
  );
  assert.equal(out.headers["authorization"], undefined);
});

for (const spec of [
  "header:Host={value}",
  "header:Content-Length={value}",
  "header:X-Sigil-Attestation={value}",
  "header:Authorization=static",
  "header:Authorization",
  "query:bad name",
  "basic:extra",
  "cookie:x",
  "mtls:extra",
]) {
  test(`the spec "${spec}" is refused when the route is added`, () => {
    assert.throws(
      () => compileInjector(spec),
      (e: unknown) => e instanceof SigilError && e.code === "ERR_USAGE",
    );
  });
}
