/**
 * Spec §5.2, payload and claim rules: one refusal case per rule (code and reason asserted) and an
 * accepted variant next to each boundary, so a rule that refuses everything fails here.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { verifyAttestation } from "../../src/attestation/verify.js";
import { assertRefusals, createTestGate, type RefusalCase } from "../helpers/tokens.js";

const NOW_S = 1_700_000_000;
const { ctx, claims, valid, withHeader, withClaims, rawPayload, header } = createTestGate(NOW_S);

const refusals: RefusalCase[] = [
  // Payload
  {
    name: "a signed payload that is not JSON is invalid",
    token: () => rawPayload("not json"),
    code: "ERR_ATTESTATION_INVALID",
    reason: "payload is not valid JSON",
  },
  {
    name: "a signed payload that is a JSON array is invalid",
    token: () => rawPayload("[1]"),
    code: "ERR_ATTESTATION_INVALID",
    reason: "payload is not a JSON object",
  },
  {
    name: "a signed payload with a duplicate agentId is invalid",
    token: () => rawPayload(JSON.stringify(claims()).replace("{", '{"agentId":"agent-2",')),
    code: "ERR_ATTESTATION_INVALID",
    reason: "payload has a duplicate member name",
  },
  // Claims
  {
    name: "an issuer outside the anchor's issuers is untrusted",
    token: () => withClaims({ iss: "https://sign-test.sigilcore.com" }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "issuer is not trusted",
  },
  {
    name: "a missing issuer is untrusted",
    token: () => withClaims({ iss: undefined }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "issuer is not trusted",
  },
  {
    name: "another audience is untrusted",
    token: () => withClaims({ aud: "sigil-sign-2" }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "audience",
  },
  {
    name: "an audience array without ours is untrusted",
    token: () => withClaims({ aud: ["a", "b"] }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "audience",
  },
  {
    name: "a missing audience is untrusted",
    token: () => withClaims({ aud: undefined }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "audience",
  },
  {
    name: "a fractional iat is invalid",
    token: () => withClaims({ iat: NOW_S + 0.5, exp: NOW_S + 60 }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "iat must be an integer",
  },
  {
    name: "a string iat is invalid",
    token: () => withClaims({ iat: String(NOW_S) }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "iat must be an integer",
  },
  {
    name: "a missing exp is invalid",
    token: () => withClaims({ exp: undefined }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "exp must be an integer",
  },
  {
    name: "exp equal to iat is invalid",
    token: () => withClaims({ exp: NOW_S }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "between 1 and 60",
  },
  {
    name: "a lifetime of 61 s is invalid",
    token: () => withClaims({ exp: NOW_S + 61 }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "between 1 and 60",
  },
  {
    name: "iat more than the skew in the future is expired",
    token: () => withClaims({ iat: NOW_S + 6, exp: NOW_S + 66 }),
    code: "ERR_ATTESTATION_EXPIRED",
    reason: "issued in the future",
  },
  {
    name: "a token at exactly exp is expired (no grace)",
    token: valid,
    ctx: { nowMs: (NOW_S + 60) * 1000 },
    code: "ERR_ATTESTATION_EXPIRED",
    reason: "has expired",
  },
  {
    name: "a payload kid different from the header kid is invalid",
    token: () => withClaims({ kid: "k2" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "payload kid differs",
  },
  {
    name: "decision DENIED is invalid",
    token: () => withClaims({ decision: "DENIED" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'decision must be "ALLOWED"',
  },
  {
    name: "an empty jti is invalid",
    token: () => withClaims({ jti: "" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "jti must be",
  },
  {
    name: "a 257-character jti is invalid",
    token: () => withClaims({ jti: "j".repeat(257) }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "jti must be",
  },
  {
    name: "a numeric jti is invalid",
    token: () => withClaims({ jti: 7 }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "jti must be",
  },
  {
    name: "a missing agentId is invalid",
    token: () => withClaims({ agentId: undefined }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "agentId is missing",
  },
  {
    name: "an empty agentId is invalid",
    token: () => withClaims({ agentId: "" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "agentId is missing",
  },
  {
    name: "another agent's agentId is a mismatch",
    token: () => withClaims({ agentId: "agent-2" }),
    code: "ERR_ATTESTATION_MISMATCH",
    reason: "does not match the authenticated agent",
  },
  {
    name: "an upper-case intentHash is invalid",
    token: () => withClaims({ intentHash: "A".repeat(64) }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "intentHash must be",
  },
  {
    name: "a numeric policyHash is invalid",
    token: () => withClaims({ policyHash: 1 }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "policyHash must be",
  },
];

const acceptances: Omit<RefusalCase, "code" | "reason">[] = [
  { name: "Sign's exact shape is accepted", token: valid },
  { name: "typ JWT is tolerated", token: () => withHeader({ ...header, typ: "JWT" }) },
  {
    name: "a second configured issuer is accepted",
    token: () => withClaims({ iss: "sigil-core-eu" }),
  },
  {
    name: "an audience array containing ours is accepted",
    token: () => withClaims({ aud: ["x", "sigil-sign"] }),
  },
  {
    name: "iat exactly at now + skew is accepted",
    token: () => withClaims({ iat: NOW_S + 5, exp: NOW_S + 6 }),
  },
  {
    name: "a token 1 ms before exp is accepted",
    token: valid,
    ctx: { nowMs: (NOW_S + 60) * 1000 - 1 },
  },
  {
    name: "a token without the optional kid, decision, intentHash and policyHash is accepted",
    token: () =>
      withClaims({
        kid: undefined,
        decision: undefined,
        intentHash: undefined,
        policyHash: undefined,
      }),
  },
  { name: "a matching payload kid is accepted", token: () => withClaims({ kid: "k1" }) },
];

describe("verifyAttestation refuses (payload, claims)", () => assertRefusals(refusals, ctx));

describe("verifyAttestation accepts", () => {
  for (const c of acceptances) {
    it(c.name, async () => {
      const att = verifyAttestation(await c.token(), { ...ctx, ...c.ctx });
      assert.equal(att.agentId, "agent-1");
    });
  }

  it("returns the checked claims and a token-hash replay id when there is no jti", async () => {
    const token = await valid();
    const att = verifyAttestation(token, ctx);
    assert.equal(att.replayId, "sha256:" + createHash("sha256").update(token).digest("hex"));
    assert.deepEqual(
      { iss: att.iss, kid: att.kid, iat: att.iat, exp: att.exp, policyHash: att.policyHash },
      { iss: "sigil-core", kid: "k1", iat: NOW_S, exp: NOW_S + 60, policyHash: "a".repeat(64) },
    );
    assert.equal(att.intentHash, claims().intentHash);
    assert.equal(att.claims.framework, "test");
  });

  it("uses the jti as replay id when present", async () => {
    const att = verifyAttestation(await withClaims({ jti: "abc-123" }), ctx);
    assert.equal(att.replayId, "jti:abc-123");
  });
});
