/**
 * normalizeSegment gained a fast path for plain segments (issue #12); the version it replaced,
 * kept here verbatim as the oracle, must give the same segment or the same refusal for every
 * input, and so must normalizePath built on either. fast-check prints the seed on failure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SigilError } from "../../src/errors.js";
import { normalizePath, normalizeSegment } from "../../src/routing/path.js";

const RUNS = { numRuns: 2000, plugins: [fc.interruptAfterTimeLimit(10_000)] };

// ---- The previous implementation (the oracle) ----

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const DOUBLE_ENCODED = /%25(?:2E|2F|5C|25)/i;
const DOT_WITH_PARAMS = /^\.\.?(?:;|%3B)/i;
const BAD_QUERY_CHAR = /[\x00-\x20\x7f-\uffff#]/;

function badPath(reason: string): never {
  throw new SigilError("ERR_BAD_REQUEST", reason);
}

function oracleSegment(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) badPath("malformed percent-escape in path");
      const byte = parseInt(hex, 16);
      if (byte === 0x2f || byte === 0x5c) badPath("encoded slash or backslash in path");
      if (byte < 0x20 || byte === 0x7f) badPath("encoded control character in path");
      const char = String.fromCharCode(byte);
      out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (code <= 0x20 || code >= 0x7f) {
      badPath("control, space or non-ASCII character in path");
    } else if (code === 0x5c) {
      badPath("backslash in path");
    } else if (code === 0x23 || code === 0x3f) {
      badPath("fragment or query character inside a path segment");
    } else {
      out += raw[i];
    }
  }
  if (DOUBLE_ENCODED.test(out)) badPath("double-encoded dot, slash, backslash or percent in path");
  if (DOT_WITH_PARAMS.test(out)) badPath("dot segment with parameters in path");
  try {
    decodeURIComponent(out);
  } catch {
    badPath("percent-encoded bytes in path are not valid UTF-8");
  }
  return out;
}

function oraclePath(rawPathWithQuery: string): { path: string; query: string } {
  if (!rawPathWithQuery.startsWith("/")) badPath("request path must start with /");
  const q = rawPathWithQuery.indexOf("?");
  const rawPath = q < 0 ? rawPathWithQuery : rawPathWithQuery.slice(0, q);
  const query = q < 0 ? "" : rawPathWithQuery.slice(q + 1);
  if (BAD_QUERY_CHAR.test(query)) badPath("control, space, non-ASCII or # character in query");
  const input = rawPath.slice(1).split("/");
  const out: string[] = [];
  input.forEach((raw, index) => {
    const segment = oracleSegment(raw);
    const last = index === input.length - 1;
    if (segment === "..") {
      if (out.length === 0) badPath("path climbs above the root");
      out.pop();
    }
    if (segment === "." || segment === "..") {
      if (last) out.push("");
    } else {
      out.push(segment);
    }
  });
  return { path: `/${out.join("/")}`, query };
}

// ---- Generators and properties ----

/** Pieces that matter to one rule or another, and printable ASCII around them. */
const piece = fc.oneof(
  fc.constantFrom(";", "%3B", "%3b"),
  fc.constantFrom(".", "..", ";", "%3B", "%3b", "%2e", "%2E", "%41", "%7e", "%2f", "%5C", "%25"),
  fc.constantFrom("%252e", "%c0%ae", "%e2%82%ac", "%ff", "%g", "%", "\\", "#", "?", " ", "é", "~"),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
  fc.string({ unit: fc.constantFrom("a", "Z", "0", "-", "_", "!", "$", "'", "(", "*", ":", "@") }),
);
/** Leading dots meet every piece: ".;x" and "..%3B" are the fast path's one refusal. */
const segment = fc
  .tuple(fc.constantFrom("", "", ".", ".."), fc.array(piece, { maxLength: 4 }))
  .map(([dots, parts]) => dots + parts.join(""));

/** The normalised value, or the refusal's code and reason; anything else thrown fails. */
function outcome<T>(run: () => T): string {
  try {
    return "ok " + JSON.stringify(run());
  } catch (err) {
    if (err instanceof SigilError) return `${err.code} ${err.reason}`;
    throw err;
  }
}

describe("path normalisation agrees with the implementation it replaced", () => {
  it("segment by segment", () => {
    fc.assert(
      fc.property(segment, (raw) => {
        assert.equal(
          outcome(() => normalizeSegment(raw)),
          outcome(() => oracleSegment(raw)),
          raw,
        );
      }),
      RUNS,
    );
  });

  it("for whole request targets", () => {
    const target = fc
      .tuple(
        fc.array(segment, { maxLength: 5 }),
        fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
      )
      .map(([segs, query]) => "/" + segs.join("/") + (query === undefined ? "" : `?${query}`));
    fc.assert(
      fc.property(target, (t) => {
        assert.equal(
          outcome(() => normalizePath(t)),
          outcome(() => oraclePath(t)),
          t,
        );
      }),
      RUNS,
    );
  });
});
