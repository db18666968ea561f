/**
 * The proxy's control socket (docs/doctor.md): owner-only files, a bearer token required, GET
 * only, an answer per backend + secret without values, not reachable on the proxy's TCP listener
 * (where agents and browsers are), and gone when the proxy stops.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import type { HomePaths } from "../../src/config/home.js";
import { readConfigFile } from "../../src/config/store.js";
import { startHarness, type Harness } from "../helpers/harness.js";

interface Reply {
  status: number;
  body: string;
}

function ask(
  target: { socketPath: string } | { host: string; port: number },
  o: { method?: string; path?: string; authorization?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...target,
        method: o.method ?? "GET",
        path: o.path ?? "/v1/route-secrets",
        headers: o.authorization ? { authorization: o.authorization } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const bearer = (home: HomePaths) => `Bearer ${readFileSync(home.controlToken, "utf8").trim()}`;

describe("the control socket", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ routes: [{ path: "/v1/*" }, { path: "/v2/*", secret: "MISSING" }] });
  });
  after(() => h.stop());
  const socket = () => ({ socketPath: h.home.controlSocket });

  it("socket and token are owner-only files in the home", () => {
    assert.equal(statSync(h.home.controlSocket).mode & 0o777, 0o600);
    assert.equal(statSync(h.home.controlToken).mode & 0o777, 0o600);
    assert.match(readFileSync(h.home.controlToken, "utf8"), /^[A-Za-z0-9_-]{43}\n$/);
  });

  const refusals: [string, () => Parameters<typeof ask>[1], number][] = [
    ["no token", () => ({}), 401],
    ["a wrong token", () => ({ authorization: `Bearer ${"A".repeat(43)}` }), 401],
    ["the token without Bearer", () => ({ authorization: bearer(h.home).slice(7) }), 401],
    ["a POST, even with the token", () => ({ method: "POST", authorization: bearer(h.home) }), 405],
    ["another path", () => ({ path: "/v1/other", authorization: bearer(h.home) }), 404],
  ];
  for (const [what, opts, status] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const r = await ask(socket(), opts());
      assert.equal(r.status, status);
      assert.doesNotMatch(r.body, /routes/);
    });
  }

  it("answers each backend + secret, with field sizes and never a value", async () => {
    const r = await ask(socket(), { authorization: bearer(h.home) });
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body) as { pid: number; routes: Record<string, unknown>[] };
    assert.equal(body.pid, process.pid);
    const [first, second] = readConfigFile(h.home.config).routes.map((x) => x.id);
    assert.deepEqual(
      body.routes,
      [
        {
          backend: "demo-env",
          kind: "env",
          secret: "DEMO_KEY",
          routes: [first],
          ok: true,
          durationMs: body.routes[0]!["durationMs"],
          fields: [{ name: "value", bytes: h.canary.length }],
        },
        {
          backend: "demo-env",
          kind: "env",
          secret: "MISSING",
          routes: [second],
          ok: false,
          code: "ERR_BACKEND_FAILED",
          reason: "env backend: MISSING is not set",
        },
      ],
      "one entry per backend + secret; the probe's routes are not listed",
    );
    assert.equal(typeof body.routes[0]!["durationMs"], "number");
    assert.ok(!r.body.includes(h.canary));
  });

  it("is not served on the proxy's TCP listener, where agents and browsers reach", async () => {
    const r = await ask(
      { host: "127.0.0.1", port: h.proxyPort },
      { authorization: bearer(h.home) },
    );
    assert.notEqual(r.status, 200);
    assert.doesNotMatch(r.body, /route|DEMO_KEY/);
  });

  it("socket and token are removed when the proxy stops", async () => {
    await h.stopProxy();
    assert.equal(existsSync(h.home.controlSocket), false);
    assert.equal(existsSync(h.home.controlToken), false);
  });
});
