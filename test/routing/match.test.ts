// The route table end to end: raw request parts are normalised as the proxy does, then matched.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { parseAuthority } from "../../src/routing/host.js";
import { compileRoutes, type RouteSpec, type RouteTable } from "../../src/routing/match.js";
import { normalizePath } from "../../src/routing/path.js";

interface TestRoute extends RouteSpec {
  backend: string;
}

const r = (
  id: string,
  agentId: string,
  host: string,
  path: string,
  extra: Partial<TestRoute> = {},
): TestRoute => ({ id, agentId, host, path, backend: "b", ...extra });

const ROUTES: TestRoute[] = [
  r("v1", "a1", "api.example.com", "/v1/*"),
  r("chat", "a1", "api.example.com", "/v1/chat/completions", { methods: ["post"] }),
  r("admin", "a1", "api.example.com", "/admin/*"),
  r("idn", "a1", "ÄPI.example.com", "/*"),
  r("net-exact", "a1", "api.example.net", "/v2/*"),
  r("net-wild", "a1", "*.example.net", "/*"),
  r("net-wild-eu", "a1", "*.eu.example.net", "/*"),
  r("items-get", "a1", "methods.example.org", "/items", { methods: ["GET", "HEAD"] }),
  r("items-any", "a1", "methods.example.org", "/items"),
  r("put-only", "a1", "methods.example.org", "/only-put", { methods: ["PUT"] }),
  r("repo-issues", "a1", "git.example.org", "/repos/*/issues"),
  r("a-star-c", "a1", "git.example.org", "/a/*/c"),
  r("star-b-c", "a1", "git.example.org", "/*/b/c"),
  r("internal", "a1", "internal.example.org:8080", "/*", { allowPlaintext: true }),
  r("https-only", "a1", "plain.example.org", "/*"),
  r("mixed-open", "a1", "mixed.example.org", "/*", { allowPlaintext: true }),
  r("mixed-secret", "a1", "mixed.example.org", "/secret/*"),
  r("other", "a2", "other.example.net", "/*"),
];

const table: RouteTable<TestRoute> = compileRoutes(ROUTES);

/** Normalises a URL the way the proxy does, matches it, and summarises the decision. */
function decide(agentId: string, method: string, url: string, routes = table): string {
  const m = /^(https?):\/\/([^/?]*)(.*)$/.exec(url);
  assert.ok(m, `test URL ${url}`);
  const scheme = m[1] === "http" ? "http" : "https";
  const { host, port } = parseAuthority(m[2]!, scheme === "https" ? 443 : 80);
  const { path } = normalizePath(m[3] || "/");
  const result = routes.match(agentId, { scheme, host, port, path, method });
  if (result.ok) return result.route.id;
  return result.plaintext ? `plaintext: ${result.reason}` : result.reason;
}

const NO_HOST = "no route for this agent and host";
const NO_PORT = "no route for this agent and host on this port";
const NO_PATH = "path not covered by any route for this host";
const NO_METHOD = "method not allowed by the matching route";
const PLAINTEXT = "plaintext: the matching route requires HTTPS; plain http is refused";

describe("RouteTable.match", () => {
  const cases: [string, string, string, string, string][] = [
    ["an exact host and prefix path match", "a1", "GET", "https://api.example.com/v1/models", "v1"],
    ["the prefix matches its own path", "a1", "GET", "https://api.example.com/v1", "v1"],
    ["the prefix matches its path with a slash", "a1", "GET", "https://api.example.com/v1/", "v1"],
    ["the prefix does not match /v10", "a1", "GET", "https://api.example.com/v10", NO_PATH],
    [
      "the query is ignored for matching",
      "a1",
      "GET",
      "https://api.example.com/v1/x?p=/admin/../",
      "v1",
    ],
    [
      "a query naming /v1 does not make a path match",
      "a1",
      "GET",
      "https://api.example.com/x?/v1/",
      NO_PATH,
    ],
    ["host case does not matter", "a1", "GET", "https://API.EXAMPLE.COM/v1/x", "v1"],
    [
      "a trailing dot on the host does not matter",
      "a1",
      "GET",
      "https://api.example.com./v1/x",
      "v1",
    ],
    [
      "a full-width host spelling reaches the same route",
      "a1",
      "GET",
      "https://ａｐｉ.example.com/v1/x",
      "v1",
    ],
    [
      "a longer literal path beats a prefix",
      "a1",
      "POST",
      "https://api.example.com/v1/chat/completions",
      "chat",
    ],
    [
      "a method outside the specific route falls back to the prefix",
      "a1",
      "GET",
      "https://api.example.com/v1/chat/completions",
      "v1",
    ],
    [
      "dot-dot out of /v1 does not match /v1",
      "a1",
      "GET",
      "https://api.example.com/v1/../admin/x",
      "admin",
    ],
    [
      "%2e%2e out of /v1 does not match /v1",
      "a1",
      "GET",
      "https://api.example.com/v1/%2e%2e/admin/x",
      "admin",
    ],
    [
      "%2E%2e out of /v1 does not match /v1",
      "a1",
      "GET",
      "https://api.example.com/v1/%2E%2e/x",
      NO_PATH,
    ],
    [
      ".%2e out of /v1 does not match /v1",
      "a1",
      "GET",
      "https://api.example.com/v1/.%2e/x",
      NO_PATH,
    ],
    ["a leading // does not match /v1", "a1", "GET", "https://api.example.com//v1/x", NO_PATH],
    ["a // inside /v1 stays in /v1", "a1", "GET", "https://api.example.com/v1//../x", "v1"],
    [
      "a Unicode route host matches its punycode",
      "a1",
      "GET",
      "https://xn--pi-uia.example.com/x",
      "idn",
    ],
    [
      "a Unicode route host matches its Unicode spelling",
      "a1",
      "GET",
      "https://äpi.EXAMPLE.com./x",
      "idn",
    ],
    ["an exact host beats a wildcard", "a1", "GET", "https://api.example.net/v2/x", "net-exact"],
    [
      "a wildcard still serves paths the exact host does not cover",
      "a1",
      "GET",
      "https://api.example.net/v3",
      "net-wild",
    ],
    ["a wildcard matches one label", "a1", "GET", "https://foo.example.net/x", "net-wild"],
    ["a wildcard matches several labels", "a1", "GET", "https://a.b.example.net/x", "net-wild"],
    ["a longer wildcard suffix wins", "a1", "GET", "https://x.eu.example.net/x", "net-wild-eu"],
    [
      "the longer wildcard still needs a label before its suffix",
      "a1",
      "GET",
      "https://eu.example.net/x",
      "net-wild",
    ],
    ["a wildcard never matches the apex", "a1", "GET", "https://example.net/x", NO_HOST],
    [
      "a non-default port needs a route for it",
      "a1",
      "GET",
      "https://api.example.com:8443/v1/x",
      NO_PORT,
    ],
    [
      "explicit methods beat no methods",
      "a1",
      "GET",
      "https://methods.example.org/items",
      "items-get",
    ],
    [
      "a route without methods takes the other methods",
      "a1",
      "DELETE",
      "https://methods.example.org/items",
      "items-any",
    ],
    [
      "methods in config are case-insensitive",
      "a1",
      "HEAD",
      "https://methods.example.org/items",
      "items-get",
    ],
    [
      "a method outside every matching route is refused",
      "a1",
      "GET",
      "https://methods.example.org/only-put",
      NO_METHOD,
    ],
    [
      "a mid star matches one segment",
      "a1",
      "GET",
      "https://git.example.org/repos/sigil/issues",
      "repo-issues",
    ],
    [
      "a mid star does not match an empty segment",
      "a1",
      "GET",
      "https://git.example.org/repos//issues",
      NO_PATH,
    ],
    [
      "an earlier literal beats an earlier star",
      "a1",
      "GET",
      "https://git.example.org/a/b/c",
      "a-star-c",
    ],
    [
      "a plaintext route accepts http",
      "a1",
      "GET",
      "http://internal.example.org:8080/x",
      "internal",
    ],
    [
      "a plaintext route accepts https too",
      "a1",
      "GET",
      "https://internal.example.org:8080/x",
      "internal",
    ],
    ["an https-only route refuses http", "a1", "GET", "http://plain.example.org/x", PLAINTEXT],
    [
      "an https route refuses http on its default port",
      "a1",
      "GET",
      "http://api.example.com/v1/x",
      PLAINTEXT,
    ],
    [
      "http never falls back to a less specific plaintext route",
      "a1",
      "GET",
      "http://mixed.example.org/secret/x",
      PLAINTEXT,
    ],
    [
      "http reaches the plaintext route where it is the most specific",
      "a1",
      "GET",
      "http://mixed.example.org/open",
      "mixed-open",
    ],
    [
      "http to port 443 is not the default port",
      "a1",
      "GET",
      "http://plain.example.org:443/x",
      NO_PORT,
    ],
    [
      "one agent cannot use another agent's host",
      "a2",
      "GET",
      "https://api.example.com/v1/x",
      NO_HOST,
    ],
    ["the other agent gets its own route", "a2", "GET", "https://other.example.net/x", "other"],
    [
      "a host two agents share is served by the asking agent's own route",
      "a1",
      "GET",
      "https://other.example.net/x",
      "net-wild",
    ],
    ["an unknown agent has no route", "nobody", "GET", "https://api.example.com/v1/x", NO_HOST],
  ];
  for (const [name, agent, method, url, want] of cases) {
    it(name, () => assert.equal(decide(agent, method, url), want));
  }

  it("picks the same routes whatever order the routes are listed in", () => {
    const reversed = compileRoutes([...ROUTES].reverse());
    for (const [name, agent, method, url, want] of cases) {
      assert.equal(decide(agent, method, url, reversed), want, name);
    }
  });

  const refused: [string, string][] = [
    ["a backslash cannot escape /v1", "https://api.example.com/v1/..\\admin"],
    ["an encoded slash cannot escape /v1", "https://api.example.com/v1/..%2fadmin"],
    ["an encoded backslash cannot escape /v1", "https://api.example.com/v1/..%5Cadmin"],
    ["a double-encoded dot-dot cannot escape /v1", "https://api.example.com/v1/%252e%252e/admin"],
    ["a servlet dot-dot cannot escape /v1", "https://api.example.com/v1/..;/admin"],
    ["dot-dot above the root is refused", "https://api.example.com/v1/../../admin"],
  ];
  for (const [name, url] of refused) {
    it(name, () =>
      assert.throws(
        () => decide("a1", "GET", url),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_BAD_REQUEST",
      ),
    );
  }
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
    it(name, () => assert.equal(table.coversHost(agent, host, port), want));
  }
});

describe("compileRoutes", () => {
  const conflicts: [string, TestRoute, TestRoute][] = [
    [
      "refuses two identical routes",
      r("x", "a", "h.example", "/v1/*"),
      r("y", "a", "h.example", "/v1/*"),
    ],
    [
      "refuses hosts that normalise alike",
      r("x", "a", "H.Example.", "/*"),
      r("y", "a", "h.example", "/*"),
    ],
    [
      "refuses an IDN host and its punycode",
      r("x", "a", "äpi.example", "/*"),
      r("y", "a", "xn--pi-uia.example", "/*"),
    ],
    [
      "refuses a default port and an explicit 443",
      r("x", "a", "h.example", "/*"),
      r("y", "a", "h.example:443", "/*"),
    ],
    [
      "refuses paths that normalise alike",
      r("x", "a", "h.example", "/v1/*"),
      r("y", "a", "h.example", "/%76%31/*"),
    ],
    [
      "refuses overlapping methods",
      r("x", "a", "h.example", "/", { methods: ["GET", "POST"] }),
      r("y", "a", "h.example", "/", { methods: ["post"] }),
    ],
    [
      "refuses identical wildcards",
      r("x", "a", "*.h.example", "/*"),
      r("y", "a", "*.H.example", "/*"),
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
      r("x", "a", "h.example", "/*"),
      r("y", "b", "h.example", "/*"),
    ],
    [
      "accepts disjoint methods",
      r("x", "a", "h.example", "/", { methods: ["GET"] }),
      r("y", "a", "h.example", "/", { methods: ["POST"] }),
    ],
    [
      "accepts methods beside no methods",
      r("x", "a", "h.example", "/", { methods: ["GET"] }),
      r("y", "a", "h.example", "/"),
    ],
    [
      "accepts different ports",
      r("x", "a", "h.example", "/*"),
      r("y", "a", "h.example:8443", "/*"),
    ],
    [
      "accepts patterns ordered by literal position",
      r("x", "a", "h.example", "/a/*/c"),
      r("y", "a", "h.example", "/*/b/c"),
    ],
    [
      "accepts an exact host beside a wildcard",
      r("x", "a", "a.h.example", "/*"),
      r("y", "a", "*.h.example", "/*"),
    ],
  ];
  for (const [name, a, b] of compatible) {
    it(name, () => assert.doesNotThrow(() => compileRoutes([a, b])));
  }

  it("refuses a duplicate route id", () =>
    assert.throws(
      () => compileRoutes([r("x", "a", "h.example", "/a"), r("x", "b", "h.example", "/b")]),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_CONFLICT",
    ));

  it("names the route whose pattern is invalid", () =>
    assert.throws(
      () => compileRoutes([r("good", "a", "h.example", "/*"), r("bad", "a", "*", "/*")]),
      (err: unknown) =>
        err instanceof SigilError && err.code === "ERR_USAGE" && err.reason.includes('"bad"'),
    ));

  it("refuses an empty method list", () =>
    assert.throws(
      () => compileRoutes([r("x", "a", "h.example", "/*", { methods: [] })]),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
    ));

  it("refuses a method that is not an HTTP token", () =>
    assert.throws(
      () => compileRoutes([r("x", "a", "h.example", "/*", { methods: ["GET POST"] })]),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
    ));

  it("returns the caller's own route objects", () => {
    const result = table.match("a1", {
      scheme: "https",
      host: "api.example.com",
      port: 443,
      path: "/v1/x",
      method: "GET",
    });
    assert.ok(result.ok);
    assert.equal(result.route, ROUTES[0]);
    assert.equal(result.route.backend, "b");
  });
});
