/**
 * The attestation gate as an agent meets it (spec §5.2, §5.4): every class of bad token and every
 * binding mismatch is refused with its own code before any backend is asked, and audited as a deny.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { encodeBase64url } from "../../src/attestation/base64url.js";
import { canonicalize, pgCommit } from "../../src/canonical-json.js";
import { agentRawRequest } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";
import {
  attestationClaims,
  generateTestKey,
  signHs256,
  signToken,
  unsecuredToken,
} from "../helpers/tokens.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("attestation refusals", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const send = (attestation: string | undefined, extra: Record<string, string> = {}) =>
    h.request({
      path: "/v1/x",
      headers: { ...(attestation ? { "x-sigil-attestation": attestation } : {}), ...extra },
    });
  const now = () => Math.floor(h.nowMs() / 1000);
  const claims = (o: Record<string, unknown> = {}) =>
    attestationClaims(now(), { agentId: h.agent.name, ...o });

  it("accepts a token in Sign's exact shape (the control for every case below)", async () => {
    const intent = { action: "http", method: "GET", url: h.url("/v1/x"), nonce: randomUUID() };
    const intentHash = sha256(pgCommit(intent));
    const res = await send(await h.sign({ intentHash }), {
      "x-sigil-intent": encodeBase64url(canonicalize(intent)),
    });
    assert.equal(res.status, 200);
    assert.equal(res.upstreamRequests.length, 1);
  });

  it("refuses an attestation bound to another request sent without X-Sigil-Intent (binding required by default)", async () => {
    const { attestation } = h.attest({ method: "GET", url: h.url("/v1/models") });
    const id = await h.expectDenied(await send(attestation), 403, "ERR_ATTESTATION_MISMATCH");
    const deny = (await h.readAudit()).find((r) => r["requestId"] === id)!;
    assert.equal(deny["reason"], "this route requires an X-Sigil-Intent header");
    assert.equal(deny["path"], "/v1/x");
    assert.equal(deny["replayClaimed"], undefined, "the token is not consumed");
  });

  it("refuses a routed request without X-Sigil-Attestation", async () => {
    await h.expectDenied(await send(undefined), 403, "ERR_ATTESTATION_MISSING");
  });

  const cases: [string, string, () => Promise<string>][] = [
    ["garbage", "ERR_ATTESTATION_INVALID", async () => "not-a-jws"],
    [
      "alg none",
      "ERR_ATTESTATION_INVALID",
      async () => unsecuredToken({ alg: "none", kid: h.key.kid }, claims()),
    ],
    [
      "HS256 keyed with the public key",
      "ERR_ATTESTATION_INVALID",
      async () =>
        signHs256(
          { alg: "HS256", kid: h.key.kid },
          claims(),
          Buffer.from(h.key.publicJwk.x, "base64url"),
        ),
    ],
    [
      "a jku header",
      "ERR_ATTESTATION_INVALID",
      () => h.sign({}, { alg: "EdDSA", kid: h.key.kid, jku: "https://evil.test/jwks" }),
    ],
    [
      "a tampered payload",
      "ERR_ATTESTATION_INVALID",
      async () => {
        const [head, , sig] = (await h.sign()).split(".");
        const payload = Buffer.from(JSON.stringify(claims({ agentId: h.agent.name + "x" })));
        return `${head}.${payload.toString("base64url")}.${sig}`;
      },
    ],
    ["a lifetime over 60 s", "ERR_ATTESTATION_INVALID", () => h.sign({ exp: now() + 120 })],
    [
      "an unknown kid",
      "ERR_ATTESTATION_UNTRUSTED",
      () => signToken(generateTestKey("unknown-kid"), claims()),
    ],
    ["a wrong issuer", "ERR_ATTESTATION_UNTRUSTED", () => h.sign({ iss: "someone-else" })],
    ["a wrong audience", "ERR_ATTESTATION_UNTRUSTED", () => h.sign({ aud: "other-verifier" })],
    [
      "an expired token",
      "ERR_ATTESTATION_EXPIRED",
      () => h.sign({ iat: now() - 120, exp: now() - 60 }),
    ],
    [
      "an iat beyond the allowed skew",
      "ERR_ATTESTATION_EXPIRED",
      () => h.sign({ iat: now() + 60, exp: now() + 120 }),
    ],
    ["another agent's agentId", "ERR_ATTESTATION_MISMATCH", () => h.sign({ agentId: "agent-b" })],
  ];
  for (const [name, code, make] of cases) {
    it(`refuses ${name} with ${code}`, async () => {
      const token = await make();
      h.minted.push(token);
      const id = await h.expectDenied(await send(token), 403, code);
      const deny = (await h.readAudit()).find((r) => r["requestId"] === id)!;
      assert.equal(deny["path"], "/v1/x");
      assert.equal(deny["replayClaimed"], undefined, "a refused token is not consumed");
    });
  }

  const bindingCases: [string, () => { method: string; url: string; body?: string }][] = [
    ["another path", () => ({ method: "GET", url: h.url("/v1/other") })],
    ["another query", () => ({ method: "GET", url: h.url("/v1/x?a=2") })],
    ["another host", () => ({ method: "GET", url: "https://api.other.test/v1/x" })],
    ["another method", () => ({ method: "POST", url: h.url("/v1/x") })],
  ];
  for (const [name, intentFor] of bindingCases) {
    it(`refuses an intent for ${name} with ERR_ATTESTATION_MISMATCH`, async () => {
      const { attestation, intent } = h.attest(intentFor());
      const res = await send(attestation, { "x-sigil-intent": intent! });
      await h.expectDenied(res, 403, "ERR_ATTESTATION_MISMATCH");
    });
  }

  it("refuses an X-Sigil-Attestation header sent twice as ambiguous", async () => {
    const { attestation } = h.attest();
    const raw =
      `GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${attestation}\r\n` +
      `X-Sigil-Attestation: ${attestation}\r\n\r\n`;
    const seen = h.upstream.requests.length;
    const res = await agentRawRequest({ ...h.tunnel(), raw });
    h.responses.push(res);
    const upstreamRequests = h.upstream.requests.slice(seen);
    await h.expectDenied({ ...res, upstreamRequests }, 403, "ERR_ATTESTATION_INVALID");
  });

  it("refuses an intent that is not the one the token commits to", async () => {
    const { attestation } = h.attest({ method: "GET", url: h.url("/v1/x") });
    const { intent: other } = h.attest({ method: "GET", url: h.url("/v1/x") });
    const res = await send(attestation, { "x-sigil-intent": other! });
    await h.expectDenied(res, 403, "ERR_ATTESTATION_MISMATCH");
  });

  it("refuses a body that differs from the intent's body_sha256", async () => {
    const url = h.url("/v1/x");
    const bound = h.attest({ method: "POST", url, bodySha256: sha256('{"amount":1}') });
    const res = await h.request({
      method: "POST",
      path: "/v1/x",
      body: '{"amount":1000}',
      headers: { "x-sigil-attestation": bound.attestation, "x-sigil-intent": bound.intent! },
    });
    await h.expectDenied(res, 403, "ERR_ATTESTATION_MISMATCH");
  });

  it("forwards a body that matches the intent's body_sha256", async () => {
    const body = '{"amount":1}';
    const bound = h.attest({ method: "POST", url: h.url("/v1/x"), bodySha256: sha256(body) });
    const res = await h.request({
      method: "POST",
      path: "/v1/x",
      body,
      headers: { "x-sigil-attestation": bound.attestation, "x-sigil-intent": bound.intent! },
    });
    assert.equal(res.status, 200);
    assert.equal(res.upstreamRequests[0]?.body.toString(), body);
  });
});

describe("body binding limit", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ proxy: { max_body_bytes: 64 } });
  });
  after(() => h.stop());

  it("refuses a bound body over max_body_bytes with 413", async () => {
    const body = "x".repeat(200);
    const bound = h.attest({ method: "POST", url: h.url("/v1/x"), bodySha256: sha256(body) });
    const res = await h.request({
      method: "POST",
      path: "/v1/x",
      body,
      headers: { "x-sigil-attestation": bound.attestation, "x-sigil-intent": bound.intent! },
    });
    await h.expectDenied(res, 413, "ERR_BODY_TOO_LARGE");
  });
});

describe("attestation time checks against the proxy's injected clock", () => {
  let h: Harness;
  let offsetMs = 0;
  before(async () => {
    h = await startHarness({ nowMs: () => Date.now() + offsetMs });
  });
  after(() => h.stop());

  const cases: [string, number][] = [
    ["expired once the proxy's clock passes exp", 61_000],
    ["issued in the future once the proxy's clock runs behind iat beyond the skew", -10_000],
  ];
  for (const [name, shiftMs] of cases) {
    it(`refuses a token ${name}`, async () => {
      offsetMs = 0;
      const { attestation, intent } = h.attest({ method: "GET", url: h.url("/v1/x") });
      offsetMs = shiftMs;
      try {
        const res = await h.request({
          path: "/v1/x",
          headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
        });
        await h.expectDenied(res, 403, "ERR_ATTESTATION_EXPIRED");
      } finally {
        offsetMs = 0;
      }
    });
  }

  it("accepts a token within the skew of a clock running slightly behind", async () => {
    const { attestation, intent } = h.attest({ method: "GET", url: h.url("/v1/x") });
    offsetMs = -3_000;
    try {
      const res = await h.request({
        path: "/v1/x",
        headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
      });
      assert.equal(res.status, 200);
    } finally {
      offsetMs = 0;
    }
  });
});
