/**
 * Request-time path matching and specificity for compiled path patterns (spec §6): exact paths,
 * `*` as exactly one non-empty segment, and a trailing `/*` for "this path and everything below".
 */
import type { PathPattern } from "./path.js";

/** Matches the segments of a normalised path (`path.slice(1).split("/")`). */
export function pathMatches(pattern: PathPattern, segments: readonly string[]): boolean {
  const want = pattern.segments;
  if (pattern.prefix ? segments.length < want.length : segments.length !== want.length) {
    return false;
  }
  return want.every((literal, i) => {
    const got = segments[i] ?? "";
    return literal === null ? got !== "" : got === literal;
  });
}

/**
 * Orders patterns that can match the same path, most specific first (negative: `a` first): more
 * literal segments; exact before prefix; fewer stars; then a literal before a `*` at the first
 * position where they differ. Two patterns that compare equal and match one path are identical.
 */
export function comparePathSpecificity(a: PathPattern, b: PathPattern): number {
  if (a.literals !== b.literals) return b.literals - a.literals;
  if (a.prefix !== b.prefix) return a.prefix ? 1 : -1;
  if (a.stars !== b.stars) return a.stars - b.stars;
  for (let i = 0; i < a.segments.length; i++) {
    const aLiteral = a.segments[i] !== null;
    if (aLiteral !== (b.segments[i] !== null)) return aLiteral ? -1 : 1;
  }
  return 0;
}
