// Route selection by path and method: prefixes, `*` segments, escapes that must not leave /v1/*.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { decide, NO_METHOD, NO_PATH, REVERSED, TABLE } from "./route-fixture.js";

describe("RouteTable.match by path and method", () => {
  const cases: [string, string, string][] = [
    ["an exact host and prefix path match", "a1 GET https://api.example.com/v1/models", "v1"],
    ["the prefix matches its own path", "a1 GET https://api.example.com/v1", "v1"],
    ["the prefix matches its path with a slash", "a1 GET https://api.example.com/v1/", "v1"],
    ["the prefix does not match /v10", "a1 GET https://api.example.com/v10", NO_PATH],
    ["the query is ignored for matching", "a1 GET https://api.example.com/v1/x?p=/admin/../", "v1"],
    [
      "a query naming /v1 does not make a path match",
      "a1 GET https://api.example.com/x?/v1/",
      NO_PATH,
    ],
    [
      "a longer literal path beats a prefix",
      "a1 POST https://api.example.com/v1/chat/completions",
      "chat",
    ],
    [
      "a method outside the specific route falls back to the prefix",
      "a1 GET https://api.example.com/v1/chat/completions",
      "v1",
    ],
    [
      "dot-dot out of /v1 does not match /v1",
      "a1 GET https://api.example.com/v1/../admin/x",
      "admin",
    ],
    [
      "%2e%2e out of /v1 does not match /v1",
      "a1 GET https://api.example.com/v1/%2e%2e/admin/x",
      "admin",
    ],
    ["%2E%2e out of /v1 does not match /v1", "a1 GET https://api.example.com/v1/%2E%2e/x", NO_PATH],
    [".%2e out of /v1 does not match /v1", "a1 GET https://api.example.com/v1/.%2e/x", NO_PATH],
    ["a leading // does not match /v1", "a1 GET https://api.example.com//v1/x", NO_PATH],
    ["a // inside /v1 stays in /v1", "a1 GET https://api.example.com/v1//../x", "v1"],
    ["explicit methods beat no methods", "a1 GET https://methods.example.org/items", "items-get"],
    [
      "a route without methods takes the other methods",
      "a1 DELETE https://methods.example.org/items",
      "items-any",
    ],
    [
      "methods in config are case-insensitive",
      "a1 HEAD https://methods.example.org/items",
      "items-get",
    ],
    [
      "a method outside every matching route is refused",
      "a1 GET https://methods.example.org/only-put",
      NO_METHOD,
    ],
    [
      "a mid star matches one segment",
      "a1 GET https://git.example.org/repos/sigil/issues",
      "repo-issues",
    ],
    [
      "a mid star does not match an empty segment",
      "a1 GET https://git.example.org/repos//issues",
      NO_PATH,
    ],
    [
      "an earlier literal beats an earlier star",
      "a1 GET https://git.example.org/a/b/c",
      "a-star-c",
    ],
  ];
  for (const [name, request, want] of cases) {
    it(name, () => assert.equal(decide(request), want));
  }

  it("picks the same routes whatever order the routes are listed in", () => {
    for (const [name, request, want] of cases) assert.equal(decide(request, REVERSED), want, name);
  });

  const refused: [string, string][] = [
    ["a backslash cannot escape /v1", "a1 GET https://api.example.com/v1/..\\admin"],
    ["an encoded slash cannot escape /v1", "a1 GET https://api.example.com/v1/..%2fadmin"],
    ["an encoded backslash cannot escape /v1", "a1 GET https://api.example.com/v1/..%5Cadmin"],
    [
      "a double-encoded dot-dot cannot escape /v1",
      "a1 GET https://api.example.com/v1/%252e%252e/admin",
    ],
    ["a servlet dot-dot cannot escape /v1", "a1 GET https://api.example.com/v1/..;/admin"],
    ["dot-dot above the root is refused", "a1 GET https://api.example.com/v1/../../admin"],
  ];
  for (const [name, request] of refused) {
    it(name, () =>
      assert.throws(
        () => decide(request),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_BAD_REQUEST",
      ),
    );
  }

  it("returns the caller's own route objects", () => {
    const req = {
      scheme: "https",
      host: "api.example.com",
      port: 443,
      path: "/v1/x",
      method: "GET",
    } as const;
    const result = TABLE.match("a1", req);
    assert.ok(result.ok);
    assert.equal(result.route.id, "v1");
    assert.equal(result.route.backend, "b");
  });
});
