// Seeded random paths (dot segments, escapes, poison) checked against an independent oracle, the
// WHATWG URL parser: a path is refused, or it is under /v1 for routing exactly when it really is.
import assert from "node:assert/strict";
import { it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { compileRoutes } from "../../src/routing/match.js";
import { normalizePath } from "../../src/routing/path.js";

const RUNS = 3000;
const SEGMENTS = ["v1", "v10", "v", "a", "x.y", "", ".", "..", "..", "."];
const POISON = [
  "%2f",
  "%2F",
  "%5c",
  "%5C",
  "\\",
  "%252e",
  "%252E",
  "%252f",
  "%255c",
  "%2525",
  "%25%32%65",
  "%zz",
  "%g0",
  "%",
  "%00",
  "%0a",
  "\t",
  " ",
  "#",
  "%c0%ae",
  "%ff",
  "ä",
];

/** mulberry32: small, seeded, good enough to spread cases. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** Spells a segment with some characters percent-encoded in either hex case. */
function spell(rand: () => number, segment: string): string {
  return [...segment]
    .map((c) => {
      if (rand() < 0.6) return c;
      const hex = c.charCodeAt(0).toString(16).padStart(2, "0");
      return `%${rand() < 0.5 ? hex : hex.toUpperCase()}`;
    })
    .join("");
}

/** Depth walk: does ".." ever climb above the root? */
function climbsAboveRoot(segments: readonly string[]): boolean {
  let depth = 0;
  for (const s of segments) {
    depth += s === ".." ? -1 : s === "." ? 0 : 1;
    if (depth < 0) return true;
  }
  return false;
}

it("random paths are refused or under /v1 exactly when their resolved form is", () => {
  const rand = random(0x516e1);
  const table = compileRoutes([{ id: "v1", agentId: "a", host: "h.example", path: "/v1/*" }]);
  const seen = { refused: 0, under: 0, outside: 0 };
  for (let run = 0; run < RUNS; run++) {
    const logical = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(rand, SEGMENTS));
    const spelled = logical.map((s) => spell(rand, s));
    const poisoned = rand() < 0.2;
    if (poisoned) {
      const at = Math.floor(rand() * spelled.length);
      spelled[at] += pick(rand, POISON);
    }
    const query = rand() < 0.3 ? "?next=/v1/../x" : "";
    const raw = `/${spelled.join("/")}${query}`;
    const label = JSON.stringify(raw);

    if (poisoned || climbsAboveRoot(logical)) {
      assert.throws(
        () => normalizePath(raw),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_BAD_REQUEST",
        label,
      );
      seen.refused++;
      continue;
    }
    const { path } = normalizePath(raw);
    const resolved = new URL(`http://h.example/${logical.join("/")}`).pathname;
    assert.equal(path, resolved, label);
    assert.equal(normalizePath(path).path, path, `${label} is a fixed point`);
    const under = resolved === "/v1" || resolved.startsWith("/v1/");
    const req = { scheme: "https", host: "h.example", port: 443, path, method: "GET" } as const;
    assert.equal(table.match("a", req).ok, under, label);
    seen[under ? "under" : "outside"]++;
  }
  // Guard against a generator that stopped producing one of the interesting kinds.
  for (const [kind, count] of Object.entries(seen)) assert.ok(count > 200, `${kind}: ${count}`);
});
