/**
 * The Ed25519 check behind the attestation gate: libsodium when sodium-native loads, node:crypto
 * (with a reason to log) when it does not — never an accepting stub. Both backends must agree on
 * every signature the gate sees; libsodium additionally refuses small-order keys.
 */
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { describe, it } from "node:test";
import { createEd25519Verifier, ed25519 } from "../../src/attestation/ed25519.js";

const { publicKey, privateKey } = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519").publicKey;
const message = Buffer.from("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0", "ascii");
const signature = sign(null, message, privateKey);
/** ℓ, the group order, little-endian: S + ℓ is the same scalar spelled non-canonically. */
const L = Buffer.from("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", "hex");

function nonCanonicalS(sig: Buffer): Buffer {
  const out = Buffer.from(sig);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = out[32 + i]! + L[i]! + carry;
    out[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

const flipped = (b: Buffer, i: number) => {
  const out = Buffer.from(b);
  out[i]! ^= 1;
  return out;
};

const failing = createEd25519Verifier(() => {
  throw new Error("no prebuilt binary for this platform");
});
const hollow = createEd25519Verifier(() => ({}) as never);

describe("Ed25519 verifier", () => {
  it("uses libsodium when sodium-native loads", () => {
    assert.equal(ed25519().backend, "libsodium");
    assert.equal(ed25519().fallbackReason, undefined);
  });

  it("falls back to node:crypto, with the reason, when the module cannot load", () => {
    assert.equal(failing.backend, "node:crypto");
    assert.equal(
      failing.fallbackReason,
      "sodium-native could not be loaded (no prebuilt binary for this platform)",
    );
    const absent = createEd25519Verifier(() => {
      throw Object.assign(new Error("Cannot find module 'sodium-native'"), {
        code: "MODULE_NOT_FOUND",
      });
    });
    assert.equal(absent.backend, "node:crypto");
    assert.equal(
      absent.fallbackReason,
      "sodium-native is not installed (npm install -g sodium-native@5.1.0 for faster checks)",
    );
    assert.equal(hollow.backend, "node:crypto");
    assert.match(hollow.fallbackReason ?? "", /crypto_sign_verify_detached is missing/);
  });

  for (const v of [ed25519(), failing]) {
    describe(v.backend, () => {
      it("accepts a valid signature, again with the cached key", () => {
        assert.equal(v.verify(message, signature, publicKey), true);
        assert.equal(v.verify(message, signature, publicKey), true);
      });
      it("refuses a changed message, signature, key or a short signature", () => {
        assert.equal(v.verify(flipped(message, 3), signature, publicKey), false);
        assert.equal(v.verify(message, flipped(signature, 5), publicKey), false);
        assert.equal(v.verify(message, flipped(signature, 40), publicKey), false);
        assert.equal(v.verify(message, signature, other), false);
        assert.equal(v.verify(message, signature.subarray(0, 63), publicKey), false);
      });
      it("refuses S + ℓ (a non-canonical scalar)", () => {
        assert.equal(v.verify(message, nonCanonicalS(signature), publicKey), false);
      });
    });
  }

  it("libsodium refuses the trivial signature of a small-order key that node:crypto accepts", () => {
    // A = identity point, R = identity, S = 0 satisfies the cofactorless equation for any message.
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    const weak = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: identity.toString("base64url") },
      format: "jwk",
    });
    const trivial = Buffer.concat([identity, Buffer.alloc(32)]);
    assert.equal(failing.verify(message, trivial, weak), true);
    assert.equal(ed25519().verify(message, trivial, weak), false);
  });
});
