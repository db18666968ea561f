/**
 * The strict JSON and base64url decoders were rewritten for speed (issue #12); the versions they
 * replaced, kept here verbatim as oracles, must agree with them on every input: the same value or
 * the same refusal. Texts are generated with duplicate member names (spelled alike or through
 * escapes) at every depth, and with the characters a scanner could mistake for structure inside
 * strings. fast-check prints the seed on failure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBase64url } from "../../src/attestation/base64url.js";
import {
  parseJsonObject,
  parseJsonObjectBytes,
  StrictJsonError,
} from "../../src/attestation/strict-json.js";

// Bounded for CI: at most 1000 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 1000, plugins: [fc.interruptAfterTimeLimit(10_000)] };

// ---- The previous implementations (the oracles) ----

const ORACLE_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function oracleParseBytes(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = ORACLE_UTF8.decode(bytes);
  } catch {
    throw new StrictJsonError("is not valid UTF-8");
  }
  return oracleParse(text);
}

function oracleParse(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StrictJsonError("is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StrictJsonError("is not a JSON object");
  }
  oracleAssertNoDuplicateKeys(text);
  return value as Record<string, unknown>;
}

function oracleAssertNoDuplicateKeys(text: string): void {
  const stack: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
  let top: (typeof stack)[number] | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = oracleEndOfString(text, i);
      if (top?.keys !== undefined && top.expectKey) {
        const raw = text.slice(i, end + 1);
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) throw new StrictJsonError("has a duplicate member name");
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (top !== undefined) stack.push(top);
      top = { keys: c === 0x7b ? new Set() : undefined, expectKey: c === 0x7b };
    } else if (c === 0x7d || c === 0x5d) {
      top = stack.pop();
    } else if (c === 0x2c && top?.keys !== undefined) {
      top.expectKey = true;
    }
  }
}

function oracleEndOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

const B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < B64_ALPHABET.length; i++) B64_VALUES[B64_ALPHABET.charCodeAt(i)] = i;

function oracleDecodeBase64url(text: string): Buffer | undefined {
  const len = text.length;
  if (len % 4 === 1) return undefined;
  let last = 0;
  for (let i = 0; i < len; i++) {
    const code = text.charCodeAt(i);
    last = code < 128 ? (B64_VALUES[code] as number) : -1;
    if (last < 0) return undefined;
  }
  if (len % 4 === 2 && (last & 0x0f) !== 0) return undefined;
  if (len % 4 === 3 && (last & 0x03) !== 0) return undefined;
  return Buffer.from(text, "base64url");
}

// ---- Generators ----

/** Names that collide often, plus ones made of the characters a scanner keys on. */
const NAMES = ["a", "b", "ab", "__proto__", "1", "01", ":", '"', "\\", "{", "}", ",", "é", "😀"];

/** One spelling of a string literal: each UTF-16 unit raw, short-escaped or \u-escaped in either case. */
function literal(value: string, spellings: readonly number[]): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const unit = value[i]!;
    const how = spellings[i % spellings.length]! % 3;
    const hex = unit.charCodeAt(0).toString(16).padStart(4, "0");
    const escaped = "\\u" + (how === 2 ? hex.toUpperCase() : hex);
    if (unit === '"' || unit === "\\") out += how === 0 ? "\\" + unit : escaped;
    else if (unit.charCodeAt(0) < 0x20) out += escaped;
    else out += how === 0 ? unit : escaped;
  }
  return out + '"';
}

const spellings = fc.array(fc.nat(5), { minLength: 1, maxLength: 4 });
const ws = fc.constantFrom("", "", "", " ", "\n", "\t ", "\r\n");
const stringValue = fc
  .tuple(fc.oneof(fc.constantFrom(...NAMES, "a:b", '{"a":1}', "\\\\", ""), fc.string()), spellings)
  .map(([v, s]) => literal(v, s));
const scalar = fc.oneof(
  stringValue,
  fc.constantFrom("true", "false", "null", "0", "-0", "1e999", "12.5e-3", "-7"),
);

const array = fc
  .array(fc.oneof(scalar, fc.constant("{}"), fc.constant('{"a":1,"a":2}')), { maxLength: 4 })
  .map((items) => `[${items.join(",")}]`);

/** JSON text (valid unless it happens to repeat a name) with objects up to `depth` deep. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("object"), array),
  object: fc
    .array(fc.tuple(fc.constantFrom(...NAMES), spellings, tie("value"), ws, ws), { maxLength: 5 })
    .map(
      (members) =>
        "{" +
        members
          .map(([name, s, value, w1, w2]) => `${w1}${literal(name, s)}${w2}:${value}`)
          .join(",") +
        "}",
    ),
})).object;
/** "ok" with the parsed value as JSON, or the StrictJsonError message; anything else throws. */
function outcome(parse: () => Record<string, unknown>): string {
  try {
    return "ok " + JSON.stringify(parse());
  } catch (err) {
    if (err instanceof StrictJsonError) return "refused " + err.message;
    throw err;
  }
}

// ---- Properties ----

describe("strict JSON agrees with the implementation it replaced", () => {
  it("on generated objects with and without duplicate names at any depth", () => {
    let duplicates = 0;
    let accepted = 0;
    fc.assert(
      fc.property(jsonText, (text) => {
        const expected = outcome(() => oracleParse(text));
        assert.equal(
          outcome(() => parseJsonObject(text)),
          expected,
          text,
        );
        if (expected.includes("duplicate")) duplicates++;
        if (expected.startsWith("ok")) accepted++;
      }),
      RUNS,
    );
    // The generator must exercise both sides, or agreeing would prove little.
    assert.ok(duplicates > 100 && accepted > 100, `${duplicates} duplicates, ${accepted} accepted`);
  });

  it("on arbitrary text, including invalid JSON and top-level non-objects", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          jsonText.map((t) => t.slice(1)),
        ),
        (text) => {
          assert.equal(
            outcome(() => parseJsonObject(text)),
            outcome(() => oracleParse(text)),
          );
        },
      ),
      RUNS,
    );
  });

  it("on bytes: any UTF-8 error, a BOM or a bad byte inside a valid document", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc
        .tuple(jsonText, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 3 }))
        .map(([text, at, insert]) => {
          const doc = Buffer.from(text);
          const cut = at % (doc.length + 1);
          return Buffer.concat([doc.subarray(0, cut), insert, doc.subarray(cut)]);
        }),
      jsonText.map((t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        assert.equal(
          outcome(() => parseJsonObjectBytes(b)),
          outcome(() => oracleParseBytes(b)),
        );
      }),
      RUNS,
    );
  });

  it("on nesting far deeper than any recursion would survive", () => {
    const depth = 100_000;
    const deep = (inner: string) => `{"x":${"[".repeat(depth)}${inner}${"]".repeat(depth)}}`;
    const refusal = (parse: () => unknown) => {
      try {
        parse();
        return "accepted";
      } catch (err) {
        if (err instanceof StrictJsonError) return err.message;
        throw err;
      }
    };
    for (const inner of ['{"a":1,"b":{"a":2}}', '{"a":1,"b":{"a":2,"a":3}}']) {
      const text = deep(inner);
      assert.equal(
        refusal(() => parseJsonObject(text)),
        refusal(() => oracleParse(text)),
      );
    }
    assert.equal(
      refusal(() => parseJsonObject(deep('{"a":1,"a":2}'))),
      "has a duplicate member name",
    );
  });
});

describe("canonical base64url agrees with the decoder it replaced", () => {
  const odd = fc.constantFrom(
    "=",
    "+",
    "/",
    " ",
    "\n",
    ".",
    "é",
    "\u0100",
    "\ud800",
    "A",
    "-",
    "_",
  );
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom(...B64_ALPHABET.split("")), maxLength: 12 }),
    fc.string({ unit: fc.oneof(fc.constantFrom(...B64_ALPHABET.split("")), odd), maxLength: 12 }),
    // A canonical encoding with its last character swapped: trailing bits set, or not.
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 10 }), fc.nat(63))
      .map(([b, c]) => Buffer.from(b).toString("base64url").slice(0, -1) + B64_ALPHABET[c]),
    fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b).toString("base64")),
  );

  it("on canonical, non-canonical and foreign spellings", () => {
    fc.assert(
      fc.property(text, (t) => {
        assert.deepEqual(decodeBase64url(t), oracleDecodeBase64url(t), JSON.stringify(t));
      }),
      RUNS,
    );
  });
});
