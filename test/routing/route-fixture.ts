// Shared by the route-table tests: one realistic route set and a helper that normalises a request
// the way the proxy does before matching it.
import assert from "node:assert/strict";
import { parseAuthority } from "../../src/routing/host.js";
import { compileRoutes, type RouteSpec, type RouteTable } from "../../src/routing/match.js";
import { normalizePath } from "../../src/routing/path.js";

/** Real route configs carry more fields than routing needs; this checks the API stays generic. */
export interface TestRoute extends RouteSpec {
  backend: string;
}

export const route = (
  id: string,
  agentId: string,
  host: string,
  path: string,
  extra: Partial<TestRoute> = {},
): TestRoute => ({ id, agentId, host, path, backend: "b", ...extra });

export const ROUTES: readonly TestRoute[] = [
  route("v1", "a1", "api.example.com", "/v1/*"),
  route("chat", "a1", "api.example.com", "/v1/chat/completions", { methods: ["post"] }),
  route("admin", "a1", "api.example.com", "/admin/*"),
  route("idn", "a1", "ÄPI.example.com", "/*"),
  route("net-exact", "a1", "api.example.net", "/v2/*"),
  route("net-wild", "a1", "*.example.net", "/*"),
  route("net-wild-eu", "a1", "*.eu.example.net", "/*"),
  route("items-get", "a1", "methods.example.org", "/items", { methods: ["GET", "HEAD"] }),
  route("items-any", "a1", "methods.example.org", "/items"),
  route("put-only", "a1", "methods.example.org", "/only-put", { methods: ["PUT"] }),
  route("repo-issues", "a1", "git.example.org", "/repos/*/issues"),
  route("a-star-c", "a1", "git.example.org", "/a/*/c"),
  route("star-b-c", "a1", "git.example.org", "/*/b/c"),
  route("internal", "a1", "internal.example.org:8080", "/*", { allowPlaintext: true }),
  route("https-only", "a1", "plain.example.org", "/*"),
  route("mixed-open", "a1", "mixed.example.org", "/*", { allowPlaintext: true }),
  route("mixed-secret", "a1", "mixed.example.org", "/secret/*"),
  route("other", "a2", "other.example.net", "/*"),
];

export const TABLE: RouteTable<TestRoute> = compileRoutes(ROUTES);
/** The same routes listed in reverse: decisions must not depend on listing order. */
export const REVERSED: RouteTable<TestRoute> = compileRoutes([...ROUTES].reverse());

export const NO_HOST = "no route for this agent and host";
export const NO_PORT = "no route for this agent and host on this port";
export const NO_PATH = "path not covered by any route for this host";
export const NO_METHOD = "method not allowed by the matching route";
export const PLAINTEXT = "plaintext: the matching route requires HTTPS; plain http is refused";

/**
 * Decides "AGENT METHOD URL" (e.g. "a1 GET https://api.example.com/v1/x") and summarises the result
 * as the route id, the reason, or "plaintext: " + reason.
 */
export function decide(request: string, table = TABLE): string {
  const m = /^(\S+) (\S+) (https?):\/\/([^/?]*)(.*)$/.exec(request);
  assert.ok(m, `test request ${request}`);
  const [, agentId, method, rawScheme, authority, target] = m as unknown as string[];
  const scheme = rawScheme === "http" ? "http" : "https";
  const { host, port } = parseAuthority(authority!, scheme === "https" ? 443 : 80);
  const { path } = normalizePath(target || "/");
  const result = table.match(agentId!, { scheme, host, port, path, method: method! });
  if (result.ok) return result.route.id;
  return result.plaintext ? `plaintext: ${result.reason}` : result.reason;
}
