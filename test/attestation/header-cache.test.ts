/**
 * parseCompactJws remembers header segments that passed (issue #12). A remembered header must
 * give the same kid as a fresh check, only the exact same text may hit, a refused header is
 * refused every time, and the bound (emptying when full) must not lose correctness.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { parseCompactJws } from "../../src/attestation/compact-jws.js";
import { SigilError } from "../../src/errors.js";
import { b64 } from "../helpers/tokens.js";

const PAYLOAD = b64(JSON.stringify({ iss: "x" }));
const SIGNATURE = b64(Buffer.alloc(64, 7));
const token = (header: string) => `${header}.${PAYLOAD}.${SIGNATURE}`;
const header = (members: object) => b64(JSON.stringify(members));

function reason(t: string): string {
  try {
    parseCompactJws(t);
    return "accepted";
  } catch (err) {
    assert.ok(err instanceof SigilError && err.code === "ERR_ATTESTATION_INVALID");
    return err.reason;
  }
}

it("a header seen before gives the same result, and only its exact text hits", () => {
  const h = header({ alg: "EdDSA", kid: "cache-k1" });
  for (let i = 0; i < 3; i++) assert.equal(parseCompactJws(token(h)).kid, "cache-k1");
  assert.match(reason(token(h + "=")), /header segment is not canonical/);
  assert.match(reason(token(h.slice(0, -1))), /header segment is not canonical|header is not/);
});

it("a refused header stays refused, however often it comes", () => {
  const h = header({ alg: "EdDSA", kid: "cache-k2", jku: "https://evil.test/jwks" });
  for (let i = 0; i < 3; i++) assert.equal(reason(token(h)), "header has an unsupported parameter");
});

it("more distinct headers than the cache holds all keep their own kid", () => {
  const kids = Array.from({ length: 200 }, (_, i) => `cache-flood-${i}`);
  for (let round = 0; round < 2; round++) {
    for (const kid of kids)
      assert.equal(parseCompactJws(token(header({ alg: "EdDSA", kid }))).kid, kid);
  }
});
