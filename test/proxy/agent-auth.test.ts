/**
 * Agent authentication on CONNECT (spec §3, §4): a missing, unknown or revoked token is a 407 with
 * `Proxy-Authenticate` before any TLS; revocation and rotation take effect through hot reload
 * (spec §1), including on a tunnel that was already open.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateAgentToken, hashToken } from "../../src/agents.js";
import { openKeepAliveTunnel } from "../helpers/agent-client.js";
import { startHarness, type Harness } from "../helpers/harness.js";

const CODE = "ERR_AGENT_UNAUTHENTICATED";

describe("agent authentication", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const refusedCases: [string, () => { token?: string; authHeader?: string }][] = [
    ["a CONNECT without Proxy-Authorization", () => ({ token: undefined })],
    ["a CONNECT with an unknown token", () => ({ token: generateAgentToken() })],
    ["a CONNECT with a malformed Basic header", () => ({ authHeader: "Basic !!!" })],
    ["a CONNECT with an unsupported scheme", () => ({ authHeader: `Token ${h.agent.token}` })],
  ];
  for (const [name, auth] of refusedCases) {
    it(`refuses ${name} with 407 before TLS`, async () => {
      const res = await h.request({ ...auth(), path: "/v1/x" });
      assert.equal(res.connectStatus, 407);
      assert.equal(res.headers["proxy-authenticate"], 'Basic realm="sigil-vault"');
      await h.expectDenied(res, 407, CODE);
    });
  }

  it("accepts the token as Bearer and as the Basic username", async () => {
    const token = h.agent.token;
    for (const authHeader of [
      `Bearer ${token}`,
      "Basic " + Buffer.from(`${token}:`).toString("base64"),
    ]) {
      const res = await h.attested({ authHeader, path: "/v1/auth-forms" });
      assert.equal(res.status, 200);
    }
  });

  it("refuses a revoked agent once the hot reload (≤ 1.5 s) picks the revocation up", async () => {
    assert.equal((await h.attested({ path: "/v1/before-revoke" })).status, 200);
    await h.updateConfig((cfg) => {
      const entry = cfg.agents.find((a) => a.id === h.agent.id)!;
      entry.revoked_at = new Date().toISOString();
    });
    const change = await h.waitForAudit((r) => r.type === "config");
    assert.match(String(change["configHash"]), /^[0-9a-f]{64}$/, "the reload is audited");
    try {
      const res = await h.attested({ path: "/v1/after-revoke" });
      const requestId = await h.expectDenied(res, 407, CODE);
      const deny = (await h.readAudit()).find((r) => r["requestId"] === requestId)!;
      assert.equal(deny["method"], "CONNECT");
    } finally {
      await h.updateConfig((cfg) => {
        delete cfg.agents.find((a) => a.id === h.agent.id)!.revoked_at;
      });
    }
    const back = await h.attested({ path: "/v1/after-unrevoke" });
    assert.equal(back.status, 200);
  });

  it("kills an already-open keep-alive tunnel when the agent's token is rotated", async () => {
    const tunnel = await openKeepAliveTunnel(h.tunnel());
    try {
      const send = (path: string) => {
        const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
        return tunnel.request({
          path,
          headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
        });
      };
      assert.equal((await send("/v1/before-rotate")).status, 200);
      const newToken = generateAgentToken();
      await h.updateConfig((cfg) => {
        cfg.agents.find((a) => a.id === h.agent.id)!.token_sha256 = hashToken(newToken);
      });
      const seen = h.upstream.requests.length;
      const res = await send("/v1/after-rotate");
      await h.expectDenied(
        { ...res, upstreamRequests: h.upstream.requests.slice(seen) },
        407,
        CODE,
      );
      const fresh = await h.attested({ token: newToken, path: "/v1/new-token" });
      assert.equal(fresh.status, 200);
      const old = await h.request({ path: "/v1/old-token" });
      await h.expectDenied(old, 407, CODE);
    } finally {
      tunnel.close();
    }
  });
});
