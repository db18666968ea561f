/** Method-override headers (issue 14) are bounded by the route's method list. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkMethodOverride } from "../../src/routing/method-override.js";
import { SigilError } from "../../src/errors.js";

describe("checkMethodOverride", () => {
  const refused = (methods: string[] | undefined, headers: Record<string, string | string[]>) => {
    try {
      checkMethodOverride(methods, headers);
      return false;
    } catch (err) {
      assert.ok(err instanceof SigilError);
      assert.equal(err.code, "ERR_NO_ROUTE");
      return true;
    }
  };
  it("refuses each override header naming a method the route does not list", () => {
    for (const name of ["x-http-method-override", "x-http-method", "x-method-override"]) {
      assert.equal(refused(["GET", "POST"], { [name]: "DELETE" }), true, name);
    }
  });
  it("allows an override to a listed method, in any case", () => {
    assert.equal(refused(["POST", "PATCH"], { "x-http-method-override": "patch" }), false);
  });
  it("refuses when any one of repeated values is not listed", () => {
    assert.equal(refused(["GET", "POST"], { "x-http-method": ["GET", "DELETE"] }), true);
  });
  it("refuses a value that is not a single method", () => {
    assert.equal(refused(["GET", "DELETE"], { "x-method-override": "GET, DELETE" }), true);
  });
  it("passes any override on a route without a method list (every method is allowed there)", () => {
    assert.equal(refused(undefined, { "x-http-method-override": "DELETE" }), false);
  });
});
