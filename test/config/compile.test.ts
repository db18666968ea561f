import { test } from "node:test";
import assert from "node:assert/strict";
import { compileConfig } from "../../src/config/compile.js";
import { emptyConfig, type ConfigFile } from "../../src/config/schema.js";
import { parseConfigText } from "../../src/config/store.js";
import { SigilError } from "../../src/errors.js";

function base(): ConfigFile {
  const cfg = emptyConfig();
  cfg.agents.push({ id: "agt_aaaaaaaa", name: "a", token_sha256: "0".repeat(64), created_at: "t" });
  cfg.backends.push({ name: "e", kind: "env", options: {} });
  return cfg;
}
const route = (over: Partial<ConfigFile["routes"][number]> = {}): ConfigFile["routes"][number] => ({
  id: "rt_11111111",
  agent_id: "agt_aaaaaaaa",
  host: "api.example.com",
  path: "/v1/*",
  backend: "e",
  inject: "header:Authorization=Bearer {value}",
  binding: "optional",
  ...over,
});
const code = (c: string) => (e: unknown) => e instanceof SigilError && e.code === c;

test("a valid config compiles with defaults from spec §3", () => {
  const cfg = base();
  cfg.routes.push(route());
  const rt = compileConfig(cfg);
  assert.equal(rt.proxy.listen, "127.0.0.1:10255");
  assert.equal(rt.proxy.deadlineMs, 5000);
  assert.equal(rt.proxy.skewSeconds, 5);
  assert.equal(rt.proxy.maxBodyBytes, 10 * 1024 * 1024);
  const m = rt.routes.match("agt_aaaaaaaa", {
    scheme: "https",
    host: "api.example.com",
    port: 443,
    path: "/v1/models",
    method: "GET",
  });
  assert.ok(m.ok);
});

for (const [name, mutate, expected] of [
  [
    "a route for an unknown agent",
    (c: ConfigFile) => c.routes.push(route({ agent_id: "agt_nobody00" })),
    "ERR_CONFIG_INVALID",
  ],
  [
    "a route for an unknown backend",
    (c: ConfigFile) => c.routes.push(route({ backend: "nope" })),
    "ERR_CONFIG_INVALID",
  ],
  [
    "an unknown backend kind",
    (c: ConfigFile) => c.backends.push({ name: "x", kind: "ldap", options: {} }),
    "ERR_CONFIG_INVALID",
  ],
  [
    "bad backend options",
    (c: ConfigFile) => c.backends.push({ name: "x", kind: "aws-sts", options: {} }),
    "ERR_CONFIG_INVALID",
  ],
  [
    "a bad inject spec",
    (c: ConfigFile) => c.routes.push(route({ inject: "header:Host={value}" })),
    "ERR_CONFIG_INVALID",
  ],
  [
    "a wildcard-only host",
    (c: ConfigFile) => c.routes.push(route({ host: "*" })),
    "ERR_CONFIG_INVALID",
  ],
  [
    "a missing upstream CA file",
    (c: ConfigFile) => c.routes.push(route({ upstream_ca: "/nonexistent/ca.pem" })),
    "ERR_CONFIG_INVALID",
  ],
  [
    "two equally specific routes",
    (c: ConfigFile) => c.routes.push(route(), route({ id: "rt_22222222" })),
    "ERR_CONFLICT",
  ],
  [
    "duplicate backend names",
    (c: ConfigFile) => c.backends.push({ name: "e", kind: "env", options: {} }),
    "ERR_CONFIG_INVALID",
  ],
] as const) {
  test(`${name} is refused at compile time`, () => {
    const cfg = base();
    mutate(cfg);
    assert.throws(() => compileConfig(cfg), code(expected));
  });
}

test("the schema refuses unknown keys and limits above spec maxima", () => {
  const text = (proxy: object) => JSON.stringify({ ...emptyConfig(), proxy });
  assert.throws(
    () => parseConfigText(text({ deadline_ms: 6000 }), "c"),
    code("ERR_CONFIG_INVALID"),
  );
  assert.throws(() => parseConfigText(text({ skew_seconds: 31 }), "c"), code("ERR_CONFIG_INVALID"));
  assert.throws(() => parseConfigText(text({ unknown: 1 }), "c"), code("ERR_CONFIG_INVALID"));
  assert.throws(() => parseConfigText("{not json", "c"), code("ERR_CONFIG_INVALID"));
  assert.throws(
    () => parseConfigText(JSON.stringify({ ...emptyConfig(), version: 2 }), "c"),
    code("ERR_CONFIG_INVALID"),
  );
});

test("a route that does not name a binding gets binding required (spec §5.4 default)", () => {
  const cfg = base();
  const { binding: _omitted, ...unnamed } = route();
  const text = JSON.stringify({ ...cfg, routes: [unnamed] });
  const parsed = parseConfigText(text, "c");
  assert.equal(parsed.routes[0]?.binding, "required");
  assert.equal(compileConfig(parsed).routeList[0]?.binding, "required");
});

test("rate limit and buffered-body budget take generous defaults and refuse nonsense", () => {
  const proxy = compileConfig(base()).proxy;
  assert.deepEqual(proxy.rateLimit, { perSecond: 100, burst: 200, denyRecordsPerSecond: 100 });
  assert.equal(proxy.maxBufferedBodyBytes, 64 * 1024 * 1024);
  const text = (p: object) => JSON.stringify({ ...emptyConfig(), proxy: p });
  for (const bad of [
    { rate_limit: { requests_per_second: 0 } },
    { rate_limit: { burst: 0.5 } },
    { rate_limit: { per_minute: 5 } },
    { max_buffered_body_bytes: -1 },
  ]) {
    assert.throws(() => parseConfigText(text(bad), "c"), code("ERR_CONFIG_INVALID"));
  }
});
