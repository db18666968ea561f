/**
 * Properties of the JSON inside an attestation (spec §5.2): a duplicated member name anywhere in
 * the header or payload is refused whatever its spelling or value, and iat/exp are accepted exactly
 * when both are safe integers in the allowed window — never for huge, negative or fractional values.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { verifyAttestation } from "../../src/attestation/verify.js";
import { SigilError } from "../../src/errors.js";
import { attestationClaims, createTestGate, signRaw } from "../helpers/tokens.js";

// Bounded for CI: at most 200 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] };
const NOW_S = 1_700_000_000;
const SKEW_S = 5;
const gate = createTestGate(NOW_S);

/** "accepted", or "<code>: <reason>" of the SigilError; anything else thrown fails the property. */
function outcome(header: string, payload: string): string {
  try {
    verifyAttestation(signRaw(header, payload, gate.key.privateKey), gate.ctx);
    return "accepted";
  } catch (err) {
    if (err instanceof SigilError) return `${err.code}: ${err.reason}`;
    throw err;
  }
}
const DUPLICATE = /^ERR_ATTESTATION_INVALID: (header|payload) has a duplicate member name$/;

/** A JSON string literal for `key` with the characters picked by `mask` written as \u escapes. */
function spellKey(key: string, mask: number): string {
  const escape = (c: string) =>
    Array.from(
      { length: c.length },
      (_, j) => `\\u${c.charCodeAt(j).toString(16).padStart(4, "0")}`,
    ).join("");
  const chars = [...key].map((c, i) =>
    (mask >> (i % 30)) & 1 ? escape(c) : JSON.stringify(c).slice(1, -1),
  );
  return `"${chars.join("")}"`;
}

/** Object text from members (value texts), with member `pick` repeated at position `at`. */
function withDuplicate(
  members: [string, string][],
  pick: number,
  at: number,
  dup: string,
  mask: number,
): string {
  const [name, value] = members[pick % members.length]!;
  const texts = members.map(([k, v]) => `${JSON.stringify(k)}:${v}`);
  texts.splice(at % (texts.length + 1), 0, `${spellKey(name, mask)}:${dup === "" ? value : dup}`);
  return `{${texts.join(",")}}`;
}

const membersOf = (obj: Record<string, unknown>): [string, string][] =>
  Object.entries(obj).map(([k, v]) => [k, JSON.stringify(v)]);

describe("attestation JSON under random input", () => {
  const header = JSON.stringify(gate.header);
  const payload = JSON.stringify(gate.claims());

  it("accepts the undisturbed header and payload (baseline)", () => {
    assert.equal(outcome(header, payload), "accepted");
  });

  const dupArgs = fc.record({
    pick: fc.nat(),
    at: fc.nat(),
    // "" repeats the member's own value: a duplicate with an equal value is still refused.
    dup: fc.oneof(
      fc.constant(""),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    ),
    mask: fc.nat(),
  });

  it("refuses a duplicated member in the header, in any spelling, with any value", () => {
    const prop = fc.property(dupArgs, ({ pick, at, dup, mask }) => {
      const text = withDuplicate(membersOf(gate.header), pick, at, dup, mask);
      assert.match(outcome(text, payload), DUPLICATE);
    });
    fc.assert(prop, RUNS);
  });

  it("refuses a duplicated claim in the payload, in any spelling, with any value", () => {
    const prop = fc.property(dupArgs, ({ pick, at, dup, mask }) => {
      const text = withDuplicate(membersOf(gate.claims()), pick, at, dup, mask);
      assert.match(outcome(header, text), DUPLICATE);
    });
    fc.assert(prop, RUNS);
  });

  it("refuses a duplicated member nested inside arrays and objects of a claim", () => {
    const nested = fc.record({
      inner: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), {
        minKeys: 1,
        maxKeys: 4,
      }),
      wraps: fc.array(fc.constantFrom("array", "object"), { maxLength: 4 }),
      args: dupArgs,
    });
    const prop = fc.property(nested, ({ inner, wraps, args }) => {
      let text = withDuplicate(membersOf(inner), args.pick, args.at, args.dup, args.mask);
      for (const w of wraps) text = w === "array" ? `[1,${text}]` : `{"w":${text}}`;
      const claims = payload.slice(0, -1) + `,"nested":${text}}`;
      assert.match(outcome(header, claims), DUPLICATE);
    });
    fc.assert(prop, RUNS);
  });

  /** Number (and non-number) texts for iat and exp, including ones JSON.parse maps to integers. */
  const numberText = fc.oneof(
    fc.integer({ min: NOW_S - 120, max: NOW_S + 120 }).map(String),
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
    fc.constantFrom("1e400", "-1e400", "1e21", "-0", "9007199254740993", "-9007199254740993"),
    fc.constantFrom("1700000000.5", "1.7e9", "1700000000.0", "17e8", "0.17e10", "2e9"),
    fc.constantFrom('"1700000000"', "null", "true", "[1700000000]", "{}"),
  );
  const near = fc
    .tuple(fc.integer({ min: NOW_S - 90, max: NOW_S + 10 }), fc.integer({ min: -5, max: 70 }))
    .map(([iat, life]) => [String(iat), String(iat + life)] as const);
  const times = fc.oneof(fc.tuple(numberText, numberText), near);

  it("accepts iat/exp exactly when both are safe integers inside the window", () => {
    const prop = fc.property(times, ([iatText, expText]) => {
      const claims = { ...attestationClaims(NOW_S), iat: 0, exp: 0 };
      const text = JSON.stringify(claims)
        .replace('"iat":0', `"iat":${iatText}`)
        .replace('"exp":0', `"exp":${expText}`);
      const iat: unknown = JSON.parse(iatText);
      const exp: unknown = JSON.parse(expText);
      const ok =
        Number.isSafeInteger(iat) &&
        Number.isSafeInteger(exp) &&
        (exp as number) - (iat as number) >= 1 &&
        (exp as number) - (iat as number) <= 60 &&
        (iat as number) <= NOW_S + SKEW_S &&
        NOW_S < (exp as number);
      const got = outcome(header, text);
      if (ok) assert.equal(got, "accepted");
      else assert.match(got, /^ERR_ATTESTATION_(INVALID|EXPIRED): /);
    });
    fc.assert(prop, RUNS);
  });
});
