/**
 * Properties of trust-anchor key loading (spec §5.1) under random input: JWKS-shaped JSON, junk
 * JSON and junk bytes either yield only well-formed Ed25519 public keys with unique kids, or are
 * refused with a SigilError (ERR_TRUST_ANCHOR) — never a TypeError or any other exception.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { resolveAnchorKey } from "../../src/attestation/anchor.js";
import { parseJwks } from "../../src/attestation/jwk.js";
import { SigilError } from "../../src/errors.js";

// Bounded for CI: at most 200 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] };
const junk = fc.jsonValue({ maxDepth: 2 });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** Members an Ed25519 JWK has, each either right, nearly right or arbitrary. */
const jwk = fc.record(
  {
    kty: fc.oneof(fc.constant("OKP"), fc.constantFrom("EC", "RSA", "oct", "okp"), junk),
    crv: fc.oneof(fc.constant("Ed25519"), fc.constantFrom("X25519", "P-256", "ed25519"), junk),
    x: fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b64),
      fc.uint8Array({ maxLength: 40 }).map(b64),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64")),
      fc.string(),
      junk,
    ),
    kid: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ minLength: 250, maxLength: 300 }),
      junk,
    ),
    alg: fc.oneof(fc.constant("EdDSA"), fc.constantFrom("none", "ES256"), junk),
    use: fc.oneof(fc.constant("sig"), fc.constant("enc"), junk),
    key_ops: fc.oneof(fc.constant(["verify"]), fc.array(fc.string(), { maxLength: 3 }), junk),
    d: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b64),
  },
  { requiredKeys: [] },
);

/** A JWKS document as bytes: JWKS-shaped, arbitrary JSON, duplicated members, or raw bytes. */
const jwksBytes = fc.oneof(
  fc
    .record({ keys: fc.array(jwk, { maxLength: 18 }), extra: fc.dictionary(fc.string(), junk) })
    .map(({ keys, extra }) => Buffer.from(JSON.stringify({ ...extra, keys }))),
  fc
    .array(fc.constantFrom("a", "b"), { minLength: 1, maxLength: 3 })
    .map((kids) =>
      JSON.stringify({
        keys: kids.map((kid) => ({ kty: "OKP", crv: "Ed25519", x: b64(randomBytes(32)), kid })),
      }),
    )
    .map((text) => Buffer.from(text)),
  junk.map((v) => Buffer.from(JSON.stringify(v))),
  fc.string().map((s) => Buffer.from(`{"keys":[],"keys":${JSON.stringify(s)}}`)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.integer({ min: 64 * 1024 + 1, max: 70 * 1024 }).map((n) => Buffer.alloc(n, 0x20)),
);

/** Runs `fn`; returns its value, or undefined after checking the throw was an ERR_TRUST_ANCHOR. */
async function anchorRefusalOr<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    assert.ok(err instanceof SigilError, `threw ${String(err)}`);
    assert.equal(err.code, "ERR_TRUST_ANCHOR");
    return undefined;
  }
}

describe("JWKS documents under random input", () => {
  it("either yields checked Ed25519 keys with unique kids or refuses with ERR_TRUST_ANCHOR", async () => {
    const prop = fc.asyncProperty(jwksBytes, async (bytes) => {
      const keys = await anchorRefusalOr(() => parseJwks(bytes));
      if (keys === undefined) return;
      assert.ok(bytes.length <= 64 * 1024);
      for (const [kid, k] of keys) {
        assert.equal(k.kid, kid);
        assert.deepEqual([k.kty, k.crv], ["OKP", "Ed25519"]);
        assert.equal(Buffer.from(k.x, "base64url").toString("base64url"), k.x);
        assert.equal(Buffer.from(k.x, "base64url").length, 32);
        assert.ok(!("d" in k), "never carries private material");
      }
    });
    await fc.assert(prop, RUNS);
  });

  it("loads an anchor from random JWKS bytes only as a pinned Ed25519 key", async () => {
    const prop = fc.asyncProperty(jwksBytes, fc.boolean(), async (bytes, pinFirst) => {
      // Pin the first key's raw x when there is one, so the KeyObject path is reached too.
      let first: { kid?: unknown; x?: unknown } | undefined;
      try {
        first = (JSON.parse(bytes.toString("utf8")) as { keys?: { kid?: unknown; x?: unknown }[] })
          .keys?.[0];
      } catch {
        first = undefined;
      }
      const x = typeof first?.x === "string" ? Buffer.from(first.x, "base64url") : randomBytes(32);
      const kid = typeof first?.kid === "string" && first.kid !== "" ? first.kid : "k";
      const anchor = {
        kid,
        fingerprint:
          "sha256:" +
          createHash("sha256")
            .update(pinFirst ? x : randomBytes(32))
            .digest("hex"),
        issuers: ["sigil-core"],
        audience: "sigil-sign",
        jwksFile: "/nonexistent/jwks.json",
      };
      const key = await anchorRefusalOr(() =>
        resolveAnchorKey(anchor, { readFile: async () => bytes }),
      );
      if (key === undefined) return;
      assert.ok(pinFirst, "an unpinned key is never returned");
      assert.equal(key.asymmetricKeyType, "ed25519");
      assert.equal(b64(key.export({ format: "der", type: "spki" }).subarray(-32)), b64(x));
    });
    await fc.assert(prop, RUNS);
  });
});
