/**
 * pg-commit-v1 conformance (spec §5.4): Sign's canonical-JSON vectors and every rejection, plus
 * Sign's HTTP intent shape, read in place from ../shared/sigil-vectors (skipped when absent).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { checkIntentBinding } from "../../src/attestation/binding.js";
import { canonicalize, CanonicalJsonError, pgCommit } from "../../src/canonical-json.js";
import { b64 } from "../helpers/tokens.js";
import { skipWithoutFixture } from "../helpers/skip.js";

// dist/test/attestation/ → repo root (the directory holding package.json).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const VECTORS = resolve(repoRoot, "../shared/sigil-vectors");
const present = existsSync(VECTORS);
const SKIP = "../shared/sigil-vectors not present: conformance vectors skipped";

interface PgCommitVectors {
  vectors: { id: string; intent: unknown; canonicalJson: string; sha256: string }[];
  rejections: { id: string; runtimeValueKind: string; error: string }[];
}

const load = <T>(name: string): T => JSON.parse(readFileSync(join(VECTORS, name), "utf8")) as T;
const sha256hex = (s: string) => createHash("sha256").update(s, "ascii").digest("hex");

/** Builds the runtime value each pg-commit-v1 rejection names. */
const RUNTIME_VALUES: Record<string, () => unknown> = {
  undefined: () => ({ value: undefined }),
  nan: () => ({ value: Number.NaN }),
  infinity: () => ({ value: Number.POSITIVE_INFINITY }),
  bigint: () => ({ value: 1n }),
  function: () => ({ value: () => undefined }),
  symbol: () => ({ value: Symbol("test") }),
  cyclic: () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    return value;
  },
  "non-plain-object": () => new Date(),
  "symbol-keyed-object-property": () =>
    Object.defineProperty({ safe: true }, Symbol("test"), { value: true }),
  "non-enumerable-object-property": () =>
    Object.defineProperty({ safe: true }, "hidden", { value: true }),
  "accessor-property": () =>
    Object.defineProperty({}, "value", { enumerable: true, get: () => "never" }),
  "sparse-array": () => {
    const value: unknown[] = [];
    value[1] = "present";
    return value;
  },
  "non-index-array-property": () =>
    Object.defineProperty([], "label", { enumerable: true, value: "bad" }),
  "non-enumerable-array-property": () =>
    Object.defineProperty(["value"], "0", { enumerable: false, value: "value" }),
  "non-plain-array": () => {
    const value: unknown[] = [];
    Object.setPrototypeOf(value, {});
    return value;
  },
  "symbol-keyed-array-property": () => Object.defineProperty([], Symbol("test"), { value: true }),
};

describe("pg-commit-v1 vectors", { skip: skipWithoutFixture(present, SKIP) }, () => {
  const pg = present
    ? load<PgCommitVectors>("warrant-core__test__vectors__pg-commit-v1.json")
    : undefined;

  it("reproduce canonicalJson and sha256", () => {
    assert.ok(pg && pg.vectors.length > 0);
    for (const v of pg.vectors) {
      assert.equal(canonicalize(v.intent), v.canonicalJson, v.id);
      assert.equal(pgCommit(v.intent), v.sha256, v.id);
    }
  });

  it("every rejection throws its exact error text", () => {
    assert.ok(pg && pg.rejections.length > 0);
    for (const r of pg.rejections) {
      const make = RUNTIME_VALUES[r.runtimeValueKind];
      assert.ok(make, `runtimeValueKind ${r.runtimeValueKind} is constructed`);
      assert.throws(
        () => pgCommit(make()),
        (err: unknown) => err instanceof CanonicalJsonError && err.message === r.error,
        r.id,
      );
    }
  });

  it("Sign's HTTP intent shape (sigil-open-framework http-v2) binds through X-Sigil-Intent", () => {
    const http = load<{ intents: { name: string; intent: { method: string; url: string } }[] }>(
      "sigil-open-framework__conformance__vectors__http-v2.json",
    );
    for (const { name, intent } of http.intents) {
      const att = {
        replayId: "x",
        iss: "sigil-core",
        kid: "k",
        agentId: "a",
        iat: 0,
        exp: 60,
        claims: {},
        intentHash: sha256hex(pgCommit(intent)),
      };
      const live = { method: intent.method, url: intent.url };
      assert.deepEqual(
        checkIntentBinding(b64(JSON.stringify(intent)), att, live, "required"),
        { result: "verified" },
        name,
      );
    }
  });
});

describe("canonicalize without the vectors", () => {
  const cases: [string, () => unknown, string][] = [
    ["a sparse array", RUNTIME_VALUES["sparse-array"] as () => unknown, "sparse array holes"],
    ["an accessor", RUNTIME_VALUES["accessor-property"] as () => unknown, "accessor properties"],
    [
      "a symbol key",
      RUNTIME_VALUES["symbol-keyed-object-property"] as () => unknown,
      "symbol-keyed",
    ],
    ["a non-plain array", RUNTIME_VALUES["non-plain-array"] as () => unknown, "non-plain arrays"],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses ${what}`, () =>
      assert.throws(
        () => canonicalize(make()),
        (err: unknown) => err instanceof CanonicalJsonError && err.message.includes(message),
      ));
  }

  it("serializes keys in UTF-16 code-unit order with ECMAScript numbers", () =>
    assert.equal(
      canonicalize({ b: [1e21, -0, 0.1], a: { "\u{10000}": 1, "\uE000": 2 } }),
      '{"a":{"\u{10000}":1,"\uE000":2},"b":[1e+21,0,0.1]}',
    ));
});
