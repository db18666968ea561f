/**
 * A credential that does not fit the route's injection is a configuration fault with its own code,
 * 502 ERR_INJECTION_FAILED, not a backend failure: here an `env` backend releases only `value`
 * while the route injects `basic` (username + password). Refused before any `release` record, the
 * upstream sees nothing, and the `deny` record carries the code.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_ROUTES, startHarness, type Harness } from "../helpers/harness.js";

describe("a route whose injection needs fields the backend does not release", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      routes: [...DEFAULT_ROUTES, { path: "/basic/*", inject: "basic" }],
    });
  });
  after(() => h.stop());

  it("is refused with 502 ERR_INJECTION_FAILED and no release record", async () => {
    const res = await h.attested({ path: "/basic/x" });
    const requestId = await h.expectDenied(res, 502, "ERR_INJECTION_FAILED");
    const mine = (await h.readAudit()).filter((r) => r["requestId"] === requestId);
    assert.deepEqual(
      mine.map((r) => r.type),
      ["deny"],
    );
    assert.equal(mine[0]?.["code"], "ERR_INJECTION_FAILED");
  });
});
