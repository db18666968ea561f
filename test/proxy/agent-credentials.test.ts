/**
 * No agent-sent credential reaches the upstream on a routed request (issue 11): SDK placeholder
 * keys in Authorization, x-api-key, api-key and x-goog-api-key are stripped before the route's
 * credential is injected, unless the route keeps a named header.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startHarness, type Harness } from "../helpers/harness.js";

const PLACEHOLDERS = {
  authorization: "Bearer sk-placeholder",
  "x-api-key": "placeholder-x",
  "api-key": "placeholder-azure",
  "x-goog-api-key": "placeholder-goog",
};

describe("agent-sent credentials", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      routes: [
        { path: "/v1/*", inject: "header:x-api-key={value}" },
        { path: "/kept/*", inject: "header:x-api-key={value}", keepHeaders: ["Authorization"] },
        { path: "/default/*" },
        { path: "/custom/*", inject: "header:X-Custom-Key=k {value}" },
      ],
    });
  });
  after(() => h.stop());

  const send = (path: string, extra: Record<string, string> = {}) =>
    h.attested({ method: "GET", path, headers: { ...PLACEHOLDERS, ...extra } });

  it("strips every placeholder key and sends only the injected x-api-key", async () => {
    const res = await send("/v1/x");
    assert.equal(res.status, 200);
    const seen = res.upstreamRequests[0]!.headers;
    assert.equal(seen["x-api-key"], h.canary);
    for (const name of ["authorization", "api-key", "x-goog-api-key"]) {
      assert.equal(seen[name], undefined, `${name} was stripped`);
    }
  });

  it("replaces the agent's Authorization on a default Bearer route", async () => {
    const res = await send("/default/x");
    const seen = res.upstreamRequests[0]!.headers;
    assert.equal(seen["authorization"], `Bearer ${h.canary}`);
    assert.equal(seen["x-api-key"], undefined);
  });

  it("strips the agent's own value of a custom injected header", async () => {
    const res = await send("/custom/x", { "x-custom-key": "agent-value" });
    const seen = res.upstreamRequests[0]!.headers;
    assert.equal(seen["x-custom-key"], `k ${h.canary}`);
    assert.equal(seen["authorization"], undefined);
  });

  it("forwards a header the route keeps, and still strips the others", async () => {
    const res = await send("/kept/x");
    const seen = res.upstreamRequests[0]!.headers;
    assert.equal(seen["authorization"], PLACEHOLDERS.authorization);
    assert.equal(seen["x-api-key"], h.canary);
    assert.equal(seen["api-key"], undefined);
  });
});
