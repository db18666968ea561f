/**
 * Properties of the canonical JSON behind the audit chain and pg-commit-v1 (RFC 8785): one output
 * per value whatever its key order, a lossless round trip, no whitespace outside strings, keys in
 * UTF-16 code-unit order, and nothing but CanonicalJsonError for values that are not plain JSON.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  canonicalize,
  canonicalizeParsedJson,
  CanonicalJsonError,
} from "../../src/canonical-json.js";

// Bounded for CI: at most 200 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] };
const json = fc.jsonValue({ maxDepth: 4, stringUnit: "binary" });

/** A copy of `value` whose objects list their keys in another order (driven by `seed`). */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i));
  if (typeof value !== "object" || value === null) return value;
  const keys = Object.keys(value);
  const rotated = keys.map((_, i) => keys[(i + seed) % keys.length]!);
  const out: Record<string, unknown> = {};
  for (const k of seed % 2 ? rotated.reverse() : rotated) {
    Object.defineProperty(out, k, {
      value: reorder((value as Record<string, unknown>)[k], seed * 31 + 7),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** JSON equality: same types, same array order, same member sets; -0 equals 0 (RFC 8785 §3.2.2.3). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameJson(ra[k], rb[k]));
}

/** Characters of `text` outside string literals. */
function outsideStrings(text: string): string {
  let out = "";
  for (let i = 0, inString = false; i < text.length; i++) {
    const c = text[i]!;
    if (inString && c === "\\") i++;
    else if (c === '"') inString = !inString;
    else if (!inString) out += c;
  }
  return out;
}

describe("canonical JSON under random values", () => {
  it("is deterministic under key reordering", () => {
    const prop = fc.property(json, fc.nat(1000), (value, seed) => {
      assert.equal(canonicalize(reorder(value, seed)), canonicalize(value));
    });
    fc.assert(prop, RUNS);
  });

  it("round-trips: JSON.parse(canonicalize(x)) deep-equals x", () => {
    const prop = fc.property(json, (value) => {
      const back: unknown = JSON.parse(canonicalize(value));
      assert.ok(sameJson(back, value === -0 ? 0 : value), JSON.stringify(value));
    });
    fc.assert(prop, RUNS);
  });

  it("has no whitespace outside strings", () => {
    const prop = fc.property(json, (value) => {
      assert.doesNotMatch(outsideStrings(canonicalize(value)), /\s/);
    });
    fc.assert(prop, RUNS);
  });

  it("orders members by UTF-16 code units (not code points or locale)", () => {
    const dict = fc.dictionary(fc.string({ unit: "binary", maxLength: 4 }), fc.integer(), {
      maxKeys: 8,
    });
    const prop = fc.property(dict, (value) => {
      const text = canonicalize(value);
      const keys: string[] = [];
      const token = /[{,]("(?:[^"\\]|\\.)*"):-?\d+/gy;
      for (let m = token.exec(text); m; m = token.exec(text))
        keys.push(JSON.parse(m[1]!) as string);
      assert.equal(keys.length, Object.keys(value).length, text);
      for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1]! < keys[i]!, text);
    });
    fc.assert(prop, RUNS);
  });

  it("refuses anything that is not plain JSON with CanonicalJsonError only", () => {
    const anything = fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
      withObjectString: true,
    });
    const prop = fc.property(anything, (value) => {
      let text: string;
      try {
        text = canonicalize(value);
      } catch (err) {
        assert.ok(err instanceof CanonicalJsonError, String(err));
        return;
      }
      assert.doesNotThrow(() => JSON.parse(text));
    });
    fc.assert(prop, RUNS);
  });
});

describe("canonical JSON of a JSON.parse result (the request path's shortcut)", () => {
  /** The text, or "refused" for CanonicalJsonError; anything else thrown fails the property. */
  const outcome = (serialize: () => string) => {
    try {
      return serialize();
    } catch (err) {
      assert.ok(err instanceof CanonicalJsonError, String(err));
      return "refused";
    }
  };
  // Numbers past double range parse to ±Infinity; __proto__ parses to an own member.
  const specials = fc.constantFrom("1e999", "-1e999", "-0", "1E2", '{"__proto__":{"a":1}}', "[]");
  // Canonical texts parse back with their names in order (JSON.stringify's shortcut), others not.
  const text = fc.oneof(
    json.map((v) => JSON.stringify(v)),
    json.map((v) => canonicalize(v)),
    fc.tuple(json, specials).map(([v, s]) => `{"a":${s},"b":${canonicalize(v)}}`),
    fc.tuple(json, specials).map(([v, s]) => `{"v":${JSON.stringify(v)},"s":${s}}`),
  );

  it("is exactly canonicalize's text, or the same refusal", () => {
    const prop = fc.property(text, (t) => {
      const parsed: unknown = JSON.parse(t);
      assert.equal(
        outcome(() => canonicalizeParsedJson(parsed)),
        outcome(() => canonicalize(parsed)),
        t,
      );
    });
    fc.assert(prop, RUNS);
  });
});
