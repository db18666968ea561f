// Route selection by agent, host, port and scheme: wildcards, IDN, most specific host, plaintext.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decide, NO_HOST, NO_PORT, PLAINTEXT, REVERSED, TABLE } from "./route-fixture.js";

describe("RouteTable.match by host", () => {
  const cases: [string, string, string][] = [
    ["host case does not matter", "a1 GET https://API.EXAMPLE.COM/v1/x", "v1"],
    ["a trailing dot on the host does not matter", "a1 GET https://api.example.com./v1/x", "v1"],
    [
      "a full-width host spelling reaches the same route",
      "a1 GET https://ａｐｉ.example.com/v1/x",
      "v1",
    ],
    ["a Unicode route host matches its punycode", "a1 GET https://xn--pi-uia.example.com/x", "idn"],
    [
      "a Unicode route host matches its Unicode spelling",
      "a1 GET https://äpi.EXAMPLE.com./x",
      "idn",
    ],
    ["an exact host beats a wildcard", "a1 GET https://api.example.net/v2/x", "net-exact"],
    [
      "a wildcard still serves paths the exact host does not cover",
      "a1 GET https://api.example.net/v3",
      "net-wild",
    ],
    ["a wildcard matches one label", "a1 GET https://foo.example.net/x", "net-wild"],
    ["a wildcard matches several labels", "a1 GET https://a.b.example.net/x", "net-wild"],
    ["a longer wildcard suffix wins", "a1 GET https://x.eu.example.net/x", "net-wild-eu"],
    [
      "the longer wildcard still needs a label before its suffix",
      "a1 GET https://eu.example.net/x",
      "net-wild",
    ],
    ["a wildcard never matches the apex", "a1 GET https://example.net/x", NO_HOST],
    [
      "a non-default port needs a route for it",
      "a1 GET https://api.example.com:8443/v1/x",
      NO_PORT,
    ],
    ["a plaintext route accepts http", "a1 GET http://internal.example.org:8080/x", "internal"],
    [
      "a plaintext route accepts https too",
      "a1 GET https://internal.example.org:8080/x",
      "internal",
    ],
    ["an https-only route refuses http", "a1 GET http://plain.example.org/x", PLAINTEXT],
    [
      "an https route refuses http on its default port",
      "a1 GET http://api.example.com/v1/x",
      PLAINTEXT,
    ],
    [
      "http never falls back to a less specific plaintext route",
      "a1 GET http://mixed.example.org/secret/x",
      PLAINTEXT,
    ],
    [
      "http reaches the plaintext route where it is the most specific",
      "a1 GET http://mixed.example.org/open",
      "mixed-open",
    ],
    ["http to port 443 is not the default port", "a1 GET http://plain.example.org:443/x", NO_PORT],
    ["one agent cannot use another agent's host", "a2 GET https://api.example.com/v1/x", NO_HOST],
    ["the other agent gets its own route", "a2 GET https://other.example.net/x", "other"],
    [
      "a host two agents share is served by the asking agent's own route",
      "a1 GET https://other.example.net/x",
      "net-wild",
    ],
    ["an unknown agent has no route", "nobody GET https://api.example.com/v1/x", NO_HOST],
  ];
  for (const [name, request, want] of cases) {
    it(name, () => assert.equal(decide(request), want));
  }

  it("picks the same routes whatever order the routes are listed in", () => {
    for (const [name, request, want] of cases) assert.equal(decide(request, REVERSED), want, name);
  });
});

describe("RouteTable.coversHost", () => {
  const cases: [string, string, string, number, boolean][] = [
    ["covers an exact route host on 443", "a1", "api.example.com", 443, true],
    ["does not cover an exact host on another port", "a1", "api.example.com", 8443, false],
    ["covers a wildcard host", "a1", "deep.sub.example.net", 443, true],
    ["does not cover a wildcard's apex", "a1", "example.net", 443, false],
    ["covers an explicit port", "a1", "internal.example.org", 8080, true],
    [
      "does not cover the default port when the route names another",
      "a1",
      "internal.example.org",
      443,
      false,
    ],
    ["does not cover another agent's host", "a2", "api.example.com", 443, false],
    ["does not cover anything for an unknown agent", "nobody", "api.example.com", 443, false],
  ];
  for (const [name, agent, host, port, want] of cases) {
    it(name, () => assert.equal(TABLE.coversHost(agent, host, port), want));
  }
});

describe("RouteTable.hostRoutes", () => {
  const ids = (agent: string, host: string, port: number) =>
    TABLE.hostRoutes(agent, host, port).map((r) => r.id);
  it("lists every route that could match, exact hosts first, each bucket most specific first", () => {
    assert.deepEqual(ids("a1", "api.example.net", 443), ["net-exact", "net-wild"]);
    assert.deepEqual(ids("a1", "x.eu.example.net", 443), ["net-wild-eu", "net-wild"]);
  });
  it("agrees with coversHost on port, apex and agent", () => {
    assert.deepEqual(ids("a1", "internal.example.org", 8080), ["internal"]);
    assert.deepEqual(ids("a1", "internal.example.org", 443), []);
    assert.deepEqual(ids("a1", "example.net", 443), []);
    assert.deepEqual(ids("a2", "api.example.com", 443), []);
    assert.deepEqual(ids("nobody", "api.example.com", 443), []);
  });
});
