/**
 * Who may read the dashboard: the Host must name this listener (localhost or the local IP literal,
 * right port) so DNS rebinding fails; only GET and HEAD; no cross-site fetches. And what the
 * config view hides: token hashes, injection templates, URL userinfo, sensitive backend options.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { compileConfig } from "../../src/config/compile.js";
import type { ConfigFile } from "../../src/config/schema.js";
import { describeConfig, injectionKind, safeUrl } from "../../src/dashboard/config-view.js";
import { hostAllowed, refusal } from "../../src/dashboard/guard.js";

describe("dashboard host check", () => {
  const cases: [string | undefined, string, boolean][] = [
    ["127.0.0.1:10254", "127.0.0.1", true],
    ["localhost:10254", "127.0.0.1", true],
    ["LOCALHOST:10254", "::ffff:127.0.0.1", true],
    ["[::1]:10254", "::1", true],
    ["10.0.0.5:10254", "10.0.0.5", true],
    ["127.0.0.1:10255", "127.0.0.1", false],
    ["127.0.0.1", "127.0.0.1", false],
    ["attacker.example:10254", "127.0.0.1", false],
    ["127.0.0.2:10254", "127.0.0.1", false],
    ["localhost.attacker.example:10254", "127.0.0.1", false],
    ["127.0.0.1:10254@evil", "127.0.0.1", false],
    ["", "127.0.0.1", false],
    [undefined, "127.0.0.1", false],
  ];
  for (const [host, local, ok] of cases) {
    it(`Host ${JSON.stringify(host)} on ${local} is ${ok ? "served" : "refused"}`, () => {
      assert.equal(hostAllowed(host, local, 10254), ok);
    });
  }

  it("refuses other methods with 405 and cross-site fetches with 403", () => {
    const req = (method: string, headers: Record<string, string>) =>
      ({
        method,
        headers: { host: "127.0.0.1:1", ...headers },
        socket: { localAddress: "127.0.0.1" },
      }) as unknown as IncomingMessage;
    assert.equal(refusal(req("POST", {}), 1)?.status, 405);
    assert.equal(refusal(req("DELETE", {}), 1)?.status, 405);
    assert.equal(refusal(req("GET", { "sec-fetch-site": "cross-site" }), 1)?.status, 403);
    assert.equal(refusal(req("GET", { "sec-fetch-site": "same-origin" }), 1), undefined);
    assert.equal(refusal(req("HEAD", {}), 1), undefined);
  });
});

describe("dashboard config view", () => {
  it("shows names, hosts, paths, kinds and fingerprints, and hides every sensitive field", () => {
    const file: ConfigFile = {
      version: 1,
      proxy: { replay_store: "redis://user:pw@redis.internal:6379/0" },
      anchors: [
        {
          kid: "k1",
          fingerprint: `sha256:${"ab".repeat(32)}`,
          issuers: ["sigil-core"],
          audience: "sigil-sign",
          jwks_url: "https://u:p@sign.example/jwks.json?token=t",
        },
      ],
      agents: [
        {
          id: "agt_abcdefgh",
          name: "agent-a",
          token_sha256: "f".repeat(64),
          created_at: "2026-01-01T00:00:00Z",
        },
      ],
      backends: [
        {
          name: "hv",
          kind: "hashicorp-vault",
          options: {
            vault_addr: "https://admin:hunter2@vault.internal:8200/?x=1",
            auth_method: "approle",
            role_id: "role-id-value",
            secret_id_file: "/run/secret-id",
          },
        },
      ],
      routes: [
        {
          id: "rt_abcdefgh",
          agent_id: "agt_abcdefgh",
          host: "api.example.com",
          path: "/v1/*",
          backend: "hv",
          secret: "kv/data/openai#key",
          inject: "header:X-Key=static-literal-{value}",
          binding: "required",
        },
      ],
    };
    const view = describeConfig(compileConfig(file), [{ kid: "k1", loaded: true }]);
    const text = JSON.stringify(view);
    for (const hidden of ["f".repeat(64), "hunter2", "role-id-value", "/run/secret-id"]) {
      assert.ok(!text.includes(hidden), `${hidden} must not be shown`);
    }
    for (const hidden of ["static-literal", "pw@", "u:p@", "token=t"]) {
      assert.ok(!text.includes(hidden), `${hidden} must not be shown`);
    }
    assert.deepEqual(view.backends, [
      {
        name: "hv",
        kind: "hashicorp-vault",
        options: { vault_addr: "https://vault.internal:8200/", auth_method: "approle" },
        hiddenOptions: ["role_id", "secret_id_file"],
      },
    ]);
    assert.equal(view.routes[0]!.inject, "header:X-Key");
    assert.equal(view.routes[0]!.agent, "agent-a");
    assert.equal(view.anchors[0]!.source, "jwks_url https://sign.example/jwks.json");
    assert.equal(view.anchors[0]!.fingerprint, `sha256:${"ab".repeat(32)}`);
    assert.equal(view.proxy["replayStore"], "redis redis://redis.internal:6379/0");
    assert.deepEqual(view.agents, [
      { id: "agt_abcdefgh", name: "agent-a", createdAt: "2026-01-01T00:00:00Z", revoked: false },
    ]);
  });

  it("keeps injection kinds without a template as they are, and drops unparsable URLs", () => {
    assert.equal(injectionKind("basic"), "basic");
    assert.equal(injectionKind("query:api_key"), "query:api_key");
    assert.equal(injectionKind("aws-sigv4:s3:eu-west-1"), "aws-sigv4:s3:eu-west-1");
    assert.equal(safeUrl("not a url"), "(unparsable URL)");
  });
});
