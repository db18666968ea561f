// Compiling a route set: ambiguity between routes is refused up front, naming both route ids.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { compileRoutes } from "../../src/routing/match.js";
import { route, type TestRoute } from "./route-fixture.js";

describe("compileRoutes", () => {
  const conflicts: [string, TestRoute, TestRoute][] = [
    [
      "refuses two identical routes",
      route("x", "a", "h.example", "/v1/*"),
      route("y", "a", "h.example", "/v1/*"),
    ],
    [
      "refuses hosts that normalise alike",
      route("x", "a", "H.Example.", "/*"),
      route("y", "a", "h.example", "/*"),
    ],
    [
      "refuses an IDN host and its punycode",
      route("x", "a", "äpi.example", "/*"),
      route("y", "a", "xn--pi-uia.example", "/*"),
    ],
    [
      "refuses a default port and an explicit 443",
      route("x", "a", "h.example", "/*"),
      route("y", "a", "h.example:443", "/*"),
    ],
    [
      "refuses paths that normalise alike",
      route("x", "a", "h.example", "/v1/*"),
      route("y", "a", "h.example", "/%76%31/*"),
    ],
    [
      "refuses overlapping methods",
      route("x", "a", "h.example", "/", { methods: ["GET", "POST"] }),
      route("y", "a", "h.example", "/", { methods: ["post"] }),
    ],
    [
      "refuses identical wildcards",
      route("x", "a", "*.h.example", "/*"),
      route("y", "a", "*.H.example", "/*"),
    ],
  ];
  for (const [name, a, b] of conflicts) {
    it(name, () =>
      assert.throws(
        () => compileRoutes([a, b]),
        (err: unknown) =>
          err instanceof SigilError &&
          err.code === "ERR_CONFLICT" &&
          err.reason.includes('"x"') &&
          err.reason.includes('"y"'),
      ),
    );
  }

  const compatible: [string, TestRoute, TestRoute][] = [
    [
      "accepts the same route for two agents",
      route("x", "a", "h.example", "/*"),
      route("y", "b", "h.example", "/*"),
    ],
    [
      "accepts disjoint methods",
      route("x", "a", "h.example", "/", { methods: ["GET"] }),
      route("y", "a", "h.example", "/", { methods: ["POST"] }),
    ],
    [
      "accepts methods beside no methods",
      route("x", "a", "h.example", "/", { methods: ["GET"] }),
      route("y", "a", "h.example", "/"),
    ],
    [
      "accepts different ports",
      route("x", "a", "h.example", "/*"),
      route("y", "a", "h.example:8443", "/*"),
    ],
    [
      "accepts patterns ordered by literal position",
      route("x", "a", "h.example", "/a/*/c"),
      route("y", "a", "h.example", "/*/b/c"),
    ],
    [
      "accepts an exact host beside a wildcard",
      route("x", "a", "a.h.example", "/*"),
      route("y", "a", "*.h.example", "/*"),
    ],
  ];
  for (const [name, a, b] of compatible) {
    it(name, () => assert.doesNotThrow(() => compileRoutes([a, b])));
  }

  it("refuses a duplicate route id", () =>
    assert.throws(
      () => compileRoutes([route("x", "a", "h.example", "/a"), route("x", "b", "h.example", "/b")]),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_CONFLICT",
    ));

  it("names the route whose pattern is invalid", () =>
    assert.throws(
      () => compileRoutes([route("good", "a", "h.example", "/*"), route("bad", "a", "*", "/*")]),
      (err: unknown) =>
        err instanceof SigilError && err.code === "ERR_USAGE" && err.reason.includes('"bad"'),
    ));

  it("refuses an empty method list", () =>
    assert.throws(
      () => compileRoutes([route("x", "a", "h.example", "/*", { methods: [] })]),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
    ));

  it("refuses a method that is not an HTTP token", () =>
    assert.throws(
      () => compileRoutes([route("x", "a", "h.example", "/*", { methods: ["GET POST"] })]),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
    ));
});
