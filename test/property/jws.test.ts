/**
 * Properties of the attestation gate (spec §5.2) under random input: no change to a valid token's
 * bytes, no non-canonical spelling, no alg but EdDSA and no kid trick ever verifies, and every
 * refusal is a SigilError with an ERR_ATTESTATION_* code. fast-check prints the seed on failure.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { rawKeyFingerprint } from "../../src/attestation/fingerprint.js";
import { createKeyRing } from "../../src/attestation/keys.js";
import { verifyAttestation, type VerifyContext } from "../../src/attestation/verify.js";
import { SigilError } from "../../src/errors.js";
import { attestationClaims, generateTestKey, signRaw } from "../helpers/tokens.js";

// Bounded for CI: at most 200 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] };
const NOW_S = 1_700_000_000;
const key = generateTestKey("k1");

/** Signs the JSON of `header` and `claims` as they are (no normalisation). */
const sign = (header: unknown, claims: unknown): string =>
  signRaw(JSON.stringify(header), JSON.stringify(claims), key.privateKey);

/** Valid tokens: Sign-shaped claims plus random extra members, an optional jti and typ. */
const validToken = fc
  .record({
    jti: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
    extra: fc.dictionary(
      fc.string({ maxLength: 8 }).map((k) => `x_${k}`),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    ),
    typ: fc.boolean(),
  })
  .map(({ jti, extra, typ }) =>
    sign(typ ? { alg: "EdDSA", kid: "k1", typ: "JWT" } : { alg: "EdDSA", kid: "k1" }, {
      ...extra,
      ...attestationClaims(NOW_S),
      ...(jti !== undefined ? { jti } : {}),
    }),
  );

const replaceAt = (text: string, i: number, char: string) =>
  text.slice(0, i) + char + text.slice(i + 1);

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Other spellings of a base64url segment that lenient decoders accept; `pos` picks where. */
const SPELLINGS: Record<string, (segment: string, pos: number) => string> = {
  padding: (s, pos) => s + "==".slice(pos % 2),
  "the +/ alphabet": (s) => s.replace(/-/g, "+").replace(/_/g, "/"),
  "padded standard base64": (s) => Buffer.from(s, "base64url").toString("base64"),
  whitespace: (s, pos) => s.slice(0, pos % s.length) + " \t\n\r"[pos % 4] + s.slice(pos % s.length),
  "non-zero trailing bits": (s, pos) => {
    const unused = [0, 0, 0x0f, 0x03][s.length % 4]!;
    if (unused === 0) return s;
    const last = ALPHABET.indexOf(s.at(-1)!);
    return replaceAt(s, s.length - 1, ALPHABET[last | (1 + (pos % unused))]!);
  },
};

describe("attestation tokens under random mutation", () => {
  let ctx: VerifyContext;
  before(async () => {
    const anchor = {
      kid: "k1",
      fingerprint: rawKeyFingerprint(key.publicJwk),
      issuers: ["sigil-core"],
      audience: "sigil-sign",
      jwk: key.publicJwk,
    };
    const keys = createKeyRing([anchor], { nowMs: () => NOW_S * 1000 });
    await keys.load();
    ctx = { keys, nowMs: NOW_S * 1000, skewSeconds: 5, agentName: "agent-1" };
  });

  /** "accepted", or the code of the SigilError; anything else thrown fails the property. */
  function outcome(token: string): string {
    try {
      verifyAttestation(token, ctx);
      return "accepted";
    } catch (err) {
      if (err instanceof SigilError) return err.code;
      throw err;
    }
  }
  const refusedWith = (code: RegExp) => (token: string) => assert.match(outcome(token), code);
  const refused = refusedWith(/^ERR_ATTESTATION_/);

  it("accepts every unmutated token (the baseline the other properties mutate)", () => {
    fc.assert(
      fc.property(validToken, (t) => assert.equal(outcome(t), "accepted")),
      RUNS,
    );
  });

  it("never verifies a token with any single bit of its text flipped", () => {
    const prop = fc.property(validToken, fc.nat(), fc.nat(6), (t, pos, bit) => {
      const i = pos % t.length;
      refused(replaceAt(t, i, String.fromCharCode(t.charCodeAt(i) ^ (1 << bit))));
    });
    fc.assert(prop, RUNS);
  });

  it("never verifies a token with any bit of a decoded segment flipped", () => {
    const prop = fc.property(validToken, fc.nat(2), fc.nat(), fc.nat(7), (t, seg, pos, bit) => {
      const parts = t.split(".");
      const bytes = Buffer.from(parts[seg]!, "base64url");
      bytes[pos % bytes.length]! ^= 1 << bit;
      parts[seg] = bytes.toString("base64url");
      refused(parts.join("."));
    });
    fc.assert(prop, RUNS);
  });

  it("refuses padding, the +/ alphabet, whitespace and non-canonical trailing bits", () => {
    const prop = fc.property(
      validToken,
      fc.nat(2),
      fc.constantFrom(...Object.keys(SPELLINGS)),
      fc.nat(),
      (t, seg, how, pos) => {
        const parts = t.split(".");
        const spelled = SPELLINGS[how]!(parts[seg]!, pos);
        fc.pre(spelled !== parts[seg]);
        parts[seg] = spelled;
        refusedWith(/^ERR_ATTESTATION_INVALID$/)(parts.join("."));
      },
    );
    fc.assert(prop, RUNS);
  });

  it("refuses any alg other than EdDSA even under a valid Ed25519 signature", () => {
    const alg = fc
      .oneof(
        fc.constantFrom("none", "HS256", "RS256", "ES256", "PS256", "Ed25519", "ED25519"),
        fc.constantFrom("eddsa", "EDDSA", "EdDSA ", " EdDSA", "EdDSA\u0000", "EdDSA\n"),
        fc.constant(undefined),
        fc.string(),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .filter((a) => a !== "EdDSA");
    const prop = fc.property(alg, (a) =>
      refusedWith(/^ERR_ATTESTATION_INVALID$/)(
        sign({ alg: a, kid: "k1" }, attestationClaims(NOW_S)),
      ),
    );
    fc.assert(prop, RUNS);
  });

  const kidTrick = fc
    .oneof(
      fc.constantFrom(
        "../k1",
        "k1/../k1",
        "./k1",
        "/etc/passwd",
        "..\\k1",
        "%6b1",
        "K1",
        "k\u0131",
      ),
      fc.constantFrom("k1\u0000", " k1", "k1 ", "k1\n", "", "k-unloaded"),
      fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"),
      fc.string({ maxLength: 300 }),
      fc.string({ minLength: 6000, maxLength: 7000 }),
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(["k1"]),
        fc.constant({ k1: "k1" }),
      ),
    )
    .filter((k) => k !== "k1");

  it("refuses kid tricks in the header although the anchored key signed the token", () => {
    const prop = fc.property(kidTrick, (kid) =>
      refusedWith(/^ERR_ATTESTATION_(INVALID|UNTRUSTED)$/)(
        sign({ alg: "EdDSA", kid }, attestationClaims(NOW_S)),
      ),
    );
    fc.assert(prop, RUNS);
  });

  it("refuses a payload kid that differs from the header kid", () => {
    const prop = fc.property(kidTrick, (kid) =>
      refusedWith(/^ERR_ATTESTATION_INVALID$/)(
        sign({ alg: "EdDSA", kid: "k1" }, attestationClaims(NOW_S, { kid })),
      ),
    );
    fc.assert(prop, RUNS);
  });

  it("refuses tokens over 8 KiB, up to 2 MiB, in well under 20 ms each", () => {
    const size = fc.integer({ min: 8 * 1024 + 1, max: 2 * 1024 * 1024 });
    const unit = fc.constantFrom("a", ".", "eyJhbGciOiJFZERTQSJ9.", "=", "\u00e9");
    const prop = fc.property(size, unit, (n, u) => {
      const token = u.repeat(Math.ceil(n / u.length)).slice(0, n);
      const start = performance.now();
      const code = outcome(token);
      const ms = performance.now() - start;
      assert.equal(code, "ERR_ATTESTATION_INVALID");
      assert.ok(ms < 20, `took ${ms.toFixed(2)} ms`);
    });
    fc.assert(prop, { ...RUNS, numRuns: 40 });
  });
});
