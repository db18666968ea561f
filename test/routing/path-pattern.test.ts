// Path patterns: prefix, one-segment `*` and exact forms, with the boundary cases §6 names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { comparePathSpecificity, pathMatches } from "../../src/routing/path-match.js";
import { normalizePath, parsePathPattern } from "../../src/routing/path.js";

function matches(pattern: string, rawPath: string): boolean {
  const { path } = normalizePath(rawPath);
  return pathMatches(parsePathPattern(pattern), path.slice(1).split("/"));
}

describe("pathMatches", () => {
  const cases: [string, string, string, boolean][] = [
    ["a prefix matches its own path", "/v1/*", "/v1", true],
    ["a prefix matches its path with a trailing slash", "/v1/*", "/v1/", true],
    ["a prefix matches paths below it", "/v1/*", "/v1/chat/completions", true],
    ["a prefix does not match a longer sibling", "/v1/*", "/v10", false],
    ["a prefix does not match a sibling below a longer name", "/v1/*", "/v10/x", false],
    ["a prefix does not match its parent", "/v1/*", "/", false],
    ["a prefix does not match dot-dot out of it", "/v1/*", "/v1/../admin", false],
    ["a prefix does not match a leading empty segment", "/v1/*", "//v1/x", false],
    ["the root prefix matches every path", "/*", "/anything/at/all", true],
    ["the root prefix matches the root", "/*", "/", true],
    ["a mid star matches one segment", "/repos/*/issues", "/repos/sigil/issues", true],
    ["a mid star does not match an empty segment", "/repos/*/issues", "/repos//issues", false],
    ["a mid star does not match two segments", "/repos/*/issues", "/repos/a/b/issues", false],
    ["a mid star does not match zero segments", "/repos/*/issues", "/repos/issues", false],
    ["an exact pattern matches only itself", "/v1/models", "/v1/models", true],
    ["an exact pattern does not match a trailing slash", "/v1/models", "/v1/models/", false],
    ["an exact pattern does not match below it", "/v1/models", "/v1/models/x", false],
    ["an exact pattern is case-sensitive", "/v1/models", "/V1/models", false],
    ["an exact trailing-slash pattern matches only that form", "/v1/", "/v1/", true],
    ["the root pattern matches only the root", "/", "/x", false],
    ["a literal matches an escaped unreserved spelling", "/v1/*", "/%76%31/x", true],
    ["an escaped literal in a pattern matches its normal form", "/%76%31/*", "/v1/x", true],
    ["a prefix ending in a star needs that segment", "/v1/*/*", "/v1", false],
    ["a prefix ending in a star matches below the segment", "/v1/*/*", "/v1/a/b", true],
  ];
  for (const [name, pattern, path, want] of cases) {
    it(name, () => assert.equal(matches(pattern, path), want));
  }
});

describe("parsePathPattern", () => {
  it("gives equal patterns equal canonical sources", () => {
    assert.equal(parsePathPattern("/%76%31/*").source, "/v1/*");
    assert.equal(parsePathPattern("/*").source, "/*");
    assert.equal(parsePathPattern("/").source, "/");
    assert.equal(parsePathPattern("/a/*/b").source, "/a/*/b");
  });

  const refused: [string, string][] = [
    ["refuses a pattern without a leading slash", "v1/*"],
    ["refuses an empty pattern", ""],
    ["refuses a query", "/v1/*?a=1"],
    ["refuses a fragment", "/v1#x"],
    ["refuses dot-dot", "/v1/../admin/*"],
    ["refuses an encoded dot-dot", "/v1/%2e%2e/*"],
    ["refuses a dot segment", "/v1/./x"],
    ["refuses a star inside a segment", "/v1/a*"],
    ["refuses a double star", "/v1/**"],
    ["refuses an empty segment", "/v1//x"],
    ["refuses an empty segment before a prefix star", "/v1//*"],
    ["refuses an encoded slash", "/v1%2fx"],
    ["refuses a backslash", "/v1\\x"],
  ];
  for (const [name, pattern] of refused) {
    it(name, () =>
      assert.throws(
        () => parsePathPattern(pattern),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
      ),
    );
  }
});

describe("comparePathSpecificity", () => {
  const ordered: [string, string, string][] = [
    ["more literal segments win", "/v1/chat/*", "/v1/*"],
    ["an exact path beats a prefix with as many literals", "/v1", "/v1/*"],
    ["fewer stars win", "/v1/x/*", "/v1/*/x/*"],
    ["a literal earlier beats a star earlier", "/a/*/c", "/*/b/c"],
  ];
  for (const [name, specific, general] of ordered) {
    it(name, () => {
      const [a, b] = [parsePathPattern(specific), parsePathPattern(general)];
      assert.ok(comparePathSpecificity(a, b) < 0);
      assert.ok(comparePathSpecificity(b, a) > 0);
    });
  }
});
