/**
 * Security invariant (spec §1, §9): after a run of allowed, refused, streamed and failed requests,
 * the credential, the agent token and the raw attestations appear nowhere the proxy writes to —
 * not in any response the agent saw, not in a log line, not in any file under the home directory.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateAgentToken } from "../../src/agents.js";
import { agentRawRequest, basicAuth, type AgentResponse } from "../helpers/agent-client.js";
import {
  API_HOST,
  DEFAULT_ROUTES,
  expectErrorResponse,
  startHarness,
  type Harness,
} from "../helpers/harness.js";

describe("no secret leaks", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      routes: [
        ...DEFAULT_ROUTES,
        { path: "/echo-headers" },
        { path: "/missing/*", secret: "MISSING_KEY" },
      ],
    });
  });
  after(() => h.stop());

  async function runScenarios(): Promise<void> {
    const ok = await h.attested({ method: "POST", path: "/v1/chat", body: '{"q":"hi"}' });
    assert.equal(ok.status, 200);
    const echoed = await h.attested({ path: "/echo-headers" });
    assert.equal(echoed.status, 200, "the upstream echoed the injected header back");
    assert.equal(echoed.upstreamRequests[0]?.headers.authorization, `Bearer ${h.canary}`);
    const sse = await h.attested({ path: "/sse?n=3&ms=20" });
    assert.equal(sse.status, 200);
    assert.equal((await h.attested({ path: "/status/302" })).status, 302);
    assert.equal((await h.attested({ path: "/status/500" })).status, 500);

    const once = h.attest({ method: "GET", url: h.url("/v1/once") });
    const headers = { "x-sigil-attestation": once.attestation, "x-sigil-intent": once.intent! };
    assert.equal((await h.request({ path: "/v1/once", headers })).status, 200);
    const refusals: [AgentResponse, number, string][] = [
      [await h.request({ path: "/v1/once", headers }), 403, "ERR_ATTESTATION_REPLAYED"],
      [await h.request({ path: "/v1/x" }), 403, "ERR_ATTESTATION_MISSING"],
      [
        await h.request({ path: "/v1/x", headers: { "x-sigil-attestation": "garbage" } }),
        403,
        "ERR_ATTESTATION_INVALID",
      ],
      [
        await h.request({ path: "/v1/x", token: generateAgentToken() }),
        407,
        "ERR_AGENT_UNAUTHENTICATED",
      ],
      [
        await h.request({ path: "/v1/x", authHeader: `Bearer ${h.agent.token}x` }),
        407,
        "ERR_AGENT_UNAUTHENTICATED",
      ],
      [await h.request({ host: "elsewhere.example.test", path: "/v1/x" }), 403, "ERR_NO_ROUTE"],
      [
        await h.attested({ path: "/v1/x", headers: { host: "evil.example.test" } }),
        421,
        "ERR_HOST_MISMATCH",
      ],
      [await h.attested({ path: "/missing/x" }), 502, "ERR_BACKEND_FAILED"],
      [await h.attested({ path: "/admin" }), 403, "ERR_NO_ROUTE"],
      [
        await h.request({
          path: "/v1/x",
          headers: {
            "x-sigil-attestation": await h.sign({ iat: 1_000_000_000, exp: 1_000_000_060 }),
          },
        }),
        403,
        "ERR_ATTESTATION_EXPIRED",
      ],
    ];
    for (const [res, status, code] of refusals) expectErrorResponse(res, status, code);
    const raw = await agentRawRequest({
      ...h.tunnel(),
      raw: `POST /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    });
    assert.equal(raw.status, 400);
    h.responses.push(raw);
    await h.stopProxy();
  }

  it("leaves no credential, agent token or attestation in responses, logs or files", async () => {
    await runScenarios();
    const needles = new Map<string, string>([
      ["credential", h.canary],
      ["credential (base64)", Buffer.from(h.canary).toString("base64")],
      ["agent token", h.agent.token],
      ["agent token (Basic)", basicAuth(h.agent.token).slice("Basic ".length)],
    ]);
    assert.ok(h.minted.length >= 10);
    for (const [i, token] of h.minted.entries()) {
      needles.set(`attestation #${i}`, token);
      needles.set(`attestation #${i} signature`, token.split(".")[2] ?? token);
    }

    const haystacks: [string, Buffer][] = [];
    for (const [i, res] of h.responses.entries()) {
      haystacks.push([`response #${i} headers`, Buffer.from(JSON.stringify(res.headers))]);
      haystacks.push([`response #${i} body`, res.body]);
    }
    haystacks.push(["log lines", Buffer.from(h.logs.join("\n"))]);
    for (const name of await readdir(h.home.root, { recursive: true })) {
      const path = join(h.home.root, name);
      const bytes = await readFile(path).catch(() => undefined); // directories
      if (bytes) haystacks.push([`file ${name}`, bytes]);
    }
    assert.ok(haystacks.some(([what]) => what.startsWith("file audit/")));
    assert.ok(h.logs.length > 0);

    const upstreamSaw = Buffer.from(JSON.stringify(h.upstream.requests.map((r) => r.headers)));
    assert.ok(upstreamSaw.includes(h.canary), "control: the scan finds the credential upstream");

    const hits: string[] = [];
    for (const [what, bytes] of haystacks) {
      for (const [name, needle] of needles) {
        if (bytes.includes(needle)) hits.push(`${name} in ${what}`);
      }
    }
    assert.deepEqual(hits, []);
  });
});
