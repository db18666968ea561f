/**
 * JWKS hardening (spec §5.1): size and count limits, unique kids, Ed25519 only, canonical `x`,
 * `use`/`alg` constraints and no private material. Any violation rejects the whole document.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkPublicJwk, parseJwks } from "../../src/attestation/jwk.js";
import { SigilError } from "../../src/errors.js";
import { generateTestKey } from "../helpers/tokens.js";

const good = generateTestKey("k1").publicJwk;
const second = generateTestKey("k2").publicJwk;
const jwks = (keys: unknown[]) => Buffer.from(JSON.stringify({ keys }));
const x31 = Buffer.alloc(31, 1).toString("base64url");
const xPadded = good.x + "=";
// 32 bytes = 43 chars; the last char carries 2 unused bits, set them.
const xNonCanonical =
  good.x.slice(0, -1) +
  (good.x.endsWith("A") ? "B" : String.fromCharCode(good.x.charCodeAt(42) ^ 1));

describe("parseJwks refuses", () => {
  const cases: [string, Buffer, string][] = [
    [
      "a document over 64 KiB",
      Buffer.from(JSON.stringify({ keys: [good], pad: "x".repeat(65536) })),
      "64 KiB",
    ],
    [
      "more than 16 keys",
      jwks(Array.from({ length: 17 }, (_, i) => ({ ...good, kid: `k${i}` }))),
      "more than 16",
    ],
    ["a duplicate kid", jwks([good, { ...second, kid: "k1" }]), "duplicate kid"],
    ["a document without keys", Buffer.from("{}"), '"keys" array'],
    ["duplicate JSON members", Buffer.from('{"keys":[],"keys":[]}'), "duplicate"],
    ["an RSA key", jwks([{ kty: "RSA", n: "AQAB", e: "AQAB", kid: "r" }]), 'kty must be "OKP"'],
    ["an X25519 key", jwks([{ ...good, crv: "X25519" }]), 'crv must be "Ed25519"'],
    ["an x of 31 bytes", jwks([{ ...good, x: x31 }]), "32 bytes"],
    ["a padded x", jwks([{ ...good, x: xPadded }]), "32 bytes"],
    ["an x with non-zero trailing bits", jwks([{ ...good, x: xNonCanonical }]), "32 bytes"],
    ['use "enc"', jwks([{ ...good, use: "enc" }]), 'use must be "sig"'],
    ['alg "ES256"', jwks([{ ...good, alg: "ES256" }]), 'alg must be "EdDSA"'],
    [
      "a private key (d)",
      jwks([{ ...good, d: Buffer.alloc(32).toString("base64url") }]),
      "private key material",
    ],
    ["key_ops without verify", jwks([{ ...good, key_ops: ["sign"] }]), "key_ops"],
    ["a key without kid", jwks([{ kty: "OKP", crv: "Ed25519", x: good.x }]), "has no kid"],
  ];
  for (const [what, bytes, reason] of cases) {
    it(what, () =>
      assert.throws(
        () => parseJwks(bytes),
        (err: unknown) =>
          err instanceof SigilError &&
          err.code === "ERR_TRUST_ANCHOR" &&
          err.reason.includes(reason),
      ),
    );
  }
});

describe("parseJwks accepts", () => {
  it("16 keys with use, alg and key_ops set to their allowed values", () => {
    const keys = Array.from({ length: 16 }, (_, i) => ({
      ...generateTestKey(`k${i}`).publicJwk,
      use: "sig",
      alg: "EdDSA",
      key_ops: ["verify"],
    }));
    const parsed = parseJwks(jwks(keys));
    assert.equal(parsed.size, 16);
    assert.deepEqual(parsed.get("k3"), { kty: "OKP", crv: "Ed25519", x: keys[3]?.x, kid: "k3" });
  });

  it("a single JWK without kid through checkPublicJwk", () =>
    assert.equal(checkPublicJwk({ kty: "OKP", crv: "Ed25519", x: good.x }, "JWK").x, good.x));
});

describe("checkPublicJwk refuses small-order keys", () => {
  // libsodium's list: identity, order 2/4/8 points and non-canonical encodings of 0 and 1.
  const small = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // the identity with its sign bit set
    "0100000000000000000000000000000000000000000000000000000000000080",
  ];
  for (const h of small) {
    it(`x = ${h.slice(0, 8)}…${h.slice(-4)}`, () =>
      assert.throws(
        () =>
          checkPublicJwk(
            { kty: "OKP", crv: "Ed25519", x: Buffer.from(h, "hex").toString("base64url") },
            "JWK",
          ),
        (err: unknown) =>
          err instanceof SigilError &&
          err.code === "ERR_TRUST_ANCHOR" &&
          /small-order/.test(err.reason),
      ));
  }
});
