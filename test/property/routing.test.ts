/**
 * Properties of path normalisation and route matching (spec §6) under random spellings: the
 * normal form is a fixed point, and a spelling matches exactly the route its decoded, dot-resolved
 * path matches (checked against an independent decoder), so no encoding reaches another route.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SigilError } from "../../src/errors.js";
import { compileRoutes } from "../../src/routing/match.js";
import { normalizePath } from "../../src/routing/path.js";

// Bounded for CI: at most 200 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] };
const HOST = "api.example.test";
const PATTERNS: [string, string][] = [
  ["v1", "/v1/*"],
  ["v1-admin", "/v1/admin/*"],
  ["admin", "/admin/*"],
  ["raw", "/files/*/raw"],
  ["exact", "/exact"],
];
const table = compileRoutes(PATTERNS.map(([id, path]) => ({ id, agentId: "a", host: HOST, path })));

/** Logical (decoded) segments worth hitting, and characters worth encoding. */
const SEGMENT = fc.oneof(
  fc.constantFrom("v1", "V1", "v10", "admin", "files", "raw", "exact", "x", "", ".", ".."),
  fc.constantFrom("..;", "a;b", "~u", "a b", "é", "%", "/", "\\", "?", "#", "\u0000", "\n"),
  fc.string({ unit: "grapheme-ascii", maxLength: 4 }),
);

/** Characters that always need an escape to stay inside one segment and mean themselves. */
const STRUCTURAL = new Set(["/", "?", "#", "%"]);

/** Spells one decoded segment: each character as-is or %-encoded (UTF-8, random hex case). */
const spelled = (segment: string) =>
  fc
    .array(fc.tuple(fc.boolean(), fc.boolean()), {
      minLength: segment.length,
      maxLength: segment.length,
    })
    .map((picks) =>
      [...segment]
        .map((c, i) => {
          const [encode, upper] = picks[i] ?? [false, false];
          if (!encode && !STRUCTURAL.has(c)) return c;
          const hex = Buffer.from(c, "utf8").toString("hex").replace(/(..)/g, "%$1");
          return upper ? hex.toUpperCase() : hex;
        })
        .join(""),
    );

const path = fc
  .array(
    SEGMENT.chain((s) => spelled(s).map((raw) => ({ logical: s, raw }))),
    { minLength: 1, maxLength: 6 },
  )
  .map((segs) => ({
    logical: segs.map((s) => s.logical),
    raw: "/" + segs.map((s) => s.raw).join("/"),
  }));

/** normalizePath, or null after checking the refusal is ERR_BAD_REQUEST. */
function normalized(raw: string) {
  try {
    return normalizePath(raw);
  } catch (err) {
    assert.ok(err instanceof SigilError && err.code === "ERR_BAD_REQUEST", String(err));
    return null;
  }
}

function routeOf(p: string): string | null {
  const m = table.match("a", { scheme: "https", host: HOST, port: 443, path: p, method: "GET" });
  return m.ok ? m.route.id : null;
}

/** RFC 3986 §5.2.4 on decoded segments; null when ".." would climb above the root. */
function resolveDots(segments: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const [i, s] of segments.entries()) {
    if (s === "..") {
      if (out.length === 0) return null;
      out.pop();
    }
    if (s === "." || s === "..") {
      if (i === segments.length - 1) out.push("");
    } else out.push(s);
  }
  return out;
}

/** Which pattern the decoded segments match, written independently of src/routing. */
function oracleRoute(segs: readonly string[]): string | null {
  const [a, b, c] = segs;
  if (a === "v1" && b === "admin") return "v1-admin";
  if (a === "v1") return "v1";
  if (a === "admin") return "admin";
  if (a === "files" && segs.length === 3 && b !== "" && c === "raw") return "raw";
  if (a === "exact" && segs.length === 1) return "exact";
  return null;
}

describe("path normalisation and route matching under random spellings", () => {
  it("normalises to a fixed point: normalize(normalize(p)) === normalize(p)", () => {
    const query = fc.option(fc.string({ unit: "grapheme-ascii", maxLength: 8 }), {
      nil: undefined,
    });
    const prop = fc.property(path, query, ({ raw }, q) => {
      const once = normalized(q === undefined ? raw : `${raw}?${q}`);
      if (once === null) return;
      const again = normalizePath(once.query === "" ? once.path : `${once.path}?${once.query}`);
      assert.deepEqual(again, once);
    });
    fc.assert(prop, RUNS);
  });

  it("only matches /v1/* when the first normalised and decoded segment is v1", () => {
    const prop = fc.property(path, ({ raw }) => {
      const n = normalized(raw);
      if (n === null || !routeOf(n.path)?.startsWith("v1")) return;
      assert.equal(n.path.split("/")[1], "v1");
      assert.equal(decodeURIComponent(n.path.split("/")[1]!), "v1");
    });
    fc.assert(prop, RUNS);
  });

  it("matches exactly the route the decoded, dot-resolved path matches, or refuses", () => {
    const prop = fc.property(path, ({ logical, raw }) => {
      const n = normalized(raw);
      if (n === null) return;
      assert.ok(!logical.some((s) => /[/\\\x00-\x1f\x7f]/.test(s)), `${raw} hides a separator`);
      const resolved = resolveDots(logical);
      assert.ok(resolved !== null, `${raw} climbs above the root`);
      assert.deepEqual(n.path.slice(1).split("/").map(decodeURIComponent), resolved);
      assert.equal(routeOf(n.path), oracleRoute(resolved), raw);
    });
    fc.assert(prop, RUNS);
  });
});
