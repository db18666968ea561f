// The normalised path is both matched and forwarded; every escape trick is pinned down here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { normalizePath } from "../../src/routing/path.js";

describe("normalizePath", () => {
  const accepted: [string, string, string, string][] = [
    ["keeps a plain path", "/v1/chat/completions", "/v1/chat/completions", ""],
    ["keeps the root", "/", "/", ""],
    ["splits the query at the first ?", "/v1/x?a=1?b=/../c", "/v1/x", "a=1?b=/../c"],
    ["keeps an empty query as empty", "/v1/x?", "/v1/x", ""],
    ["resolves a dot segment", "/v1/./x", "/v1/x", ""],
    ["resolves a dot-dot segment", "/v1/a/../x", "/v1/x", ""],
    ["resolves dot-dot out of /v1 to the path it really names", "/v1/../admin", "/admin", ""],
    ["resolves %2e%2e as dot-dot", "/v1/%2e%2e/admin", "/admin", ""],
    ["resolves %2E%2e as dot-dot", "/v1/%2E%2e/admin", "/admin", ""],
    ["resolves .%2e as dot-dot", "/v1/.%2e/admin", "/admin", ""],
    ["resolves %2e. as dot-dot", "/v1/%2e./admin", "/admin", ""],
    ["resolves %2e as dot", "/v1/%2e/x", "/v1/x", ""],
    ["keeps a trailing slash after a final dot segment", "/v1/x/.", "/v1/x/", ""],
    ["keeps a trailing slash after a final dot-dot segment", "/v1/x/..", "/v1/", ""],
    ["keeps empty segments", "/v1//x", "/v1//x", ""],
    ["resolves dot-dot over an empty segment as RFC 3986 does", "/v1//../x", "/v1/x", ""],
    ["decodes escaped unreserved characters", "/%76%31/%41-%5f%7E", "/v1/A-_~", ""],
    ["upper-cases the remaining escapes", "/v1/a%3ab%c3%a4", "/v1/a%3Ab%C3%A4", ""],
    ["keeps a literal percent as %25", "/v1/100%25", "/v1/100%25", ""],
    ["keeps %25 followed by other hex", "/v1/%2541", "/v1/%2541", ""],
    ["keeps sub-delimiters and colons", "/v1/a;b=c:d@e!$&'()*+,", "/v1/a;b=c:d@e!$&'()*+,", ""],
    ["keeps a segment that merely starts with dots", "/v1/..a/.b", "/v1/..a/.b", ""],
  ];
  for (const [name, input, path, query] of accepted) {
    it(name, () => assert.deepEqual(normalizePath(input), { path, query }));
  }

  it("is idempotent on every accepted form", () => {
    for (const [, input] of accepted) {
      const once = normalizePath(input).path;
      assert.equal(normalizePath(once).path, once);
    }
  });

  const refused: [string, string][] = [
    ["refuses a path not starting with /", "v1/x"],
    ["refuses an absolute-form target", "https://api.example.com/v1"],
    ["refuses an asterisk-form target", "*"],
    ["refuses dot-dot above the root", "/.."],
    ["refuses dot-dot above the root after other segments", "/v1/../../admin"],
    ["refuses encoded dot-dot above the root", "/%2e%2e/etc"],
    ["refuses an encoded slash", "/v1%2f..%2fadmin"],
    ["refuses an encoded slash in upper case", "/v1/a%2Fb"],
    ["refuses an encoded backslash", "/v1/..%5cadmin"],
    ["refuses an encoded backslash in upper case", "/v1/a%5Cb"],
    ["refuses a backslash", "/v1/..\\admin"],
    ["refuses a double-encoded dot-dot", "/v1/%252e%252e/admin"],
    ["refuses a double-encoded slash", "/v1/a%252fb"],
    ["refuses a double-encoded backslash", "/v1/a%255cb"],
    ["refuses a double-encoded percent", "/v1/a%2525"],
    ["refuses double-encoding hidden behind escaped digits", "/v1/%25%32%65"],
    ["refuses a malformed escape", "/v1/%zz"],
    ["refuses a truncated escape", "/v1/%2"],
    ["refuses a lone percent", "/v1/100%"],
    ["refuses a NUL", "/v1/a\u0000b"],
    ["refuses an encoded NUL", "/v1/a%00b"],
    ["refuses an encoded newline", "/v1/a%0d%0aX-Injected:1"],
    ["refuses a tab", "/v1/a\tb"],
    ["refuses a space", "/v1/a b"],
    ["refuses DEL", "/v1/a\u007fb"],
    ["refuses a raw non-ASCII character", "/v1/ä"],
    ["refuses a fragment", "/v1/x#frag"],
    ["refuses a servlet dot-dot with parameters", "/v1/..;/admin"],
    ["refuses an encoded servlet dot-dot with parameters", "/v1/%2e%2e%3b/admin"],
    ["refuses an overlong UTF-8 dot", "/v1/%c0%ae%c0%ae/admin"],
    ["refuses invalid UTF-8", "/v1/%ff"],
    ["refuses a control character in the query", "/v1/x?a=\r\n"],
    ["refuses a space in the query", "/v1/x?a=b c"],
  ];
  for (const [name, input] of refused) {
    it(name, () =>
      assert.throws(
        () => normalizePath(input),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_BAD_REQUEST",
      ),
    );
  }
});
