/**
 * Claim checks of an Intent Attestation whose signature already verified (spec §5.2): who issued it,
 * for whom, when, and for which agent. Each failure has its own code and reason; reasons never echo
 * claim values (they are attacker-controlled and may be logged).
 */
import { SigilError, type ErrorCode } from "../errors.js";
import type { AnchorConfig } from "./anchor.js";

/** Claims every accepted attestation has, in checked and typed form. */
export interface CheckedClaims {
  iss: string;
  agentId: string;
  iat: number;
  exp: number;
  jti?: string;
  intentHash?: string;
  policyHash?: string;
}

/** The verifier's view of "now" and of the authenticated agent. */
export interface ClaimContext {
  nowMs: number;
  skewSeconds: number;
  agentName: string;
}

export const MAX_LIFETIME_SECONDS = 60;
const MAX_JTI_LENGTH = 256;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Checks the payload against the anchor and context; throws SigilError with the rule's code. */
export function checkClaims(
  claims: Record<string, unknown>,
  headerKid: string,
  anchor: AnchorConfig,
  ctx: ClaimContext,
): CheckedClaims {
  const { iss, aud, iat, exp } = claims;
  if (typeof iss !== "string" || !anchor.issuers.includes(iss)) {
    fail("ERR_ATTESTATION_UNTRUSTED", "issuer is not trusted for this key");
  }
  if (!(aud === anchor.audience || (Array.isArray(aud) && aud.includes(anchor.audience)))) {
    fail("ERR_ATTESTATION_UNTRUSTED", "audience does not include this verifier's audience");
  }
  if (!Number.isSafeInteger(iat)) fail("ERR_ATTESTATION_INVALID", "iat must be an integer");
  if (!Number.isSafeInteger(exp)) fail("ERR_ATTESTATION_INVALID", "exp must be an integer");
  const lifetime = (exp as number) - (iat as number);
  if (lifetime < 1 || lifetime > MAX_LIFETIME_SECONDS) {
    fail("ERR_ATTESTATION_INVALID", "lifetime (exp - iat) must be between 1 and 60 seconds");
  }
  // Compare in milliseconds so a fractional "now" is neither rounded into nor out of validity.
  if ((iat as number) * 1000 > ctx.nowMs + ctx.skewSeconds * 1000) {
    fail("ERR_ATTESTATION_EXPIRED", "attestation is issued in the future beyond the allowed skew");
  }
  if (ctx.nowMs >= (exp as number) * 1000)
    fail("ERR_ATTESTATION_EXPIRED", "attestation has expired");
  if (claims.kid !== undefined && claims.kid !== headerKid) {
    fail("ERR_ATTESTATION_INVALID", "payload kid differs from header kid");
  }
  if (claims.decision !== undefined && claims.decision !== "ALLOWED") {
    fail("ERR_ATTESTATION_INVALID", 'decision must be "ALLOWED" when present');
  }
  const { jti, agentId, intentHash, policyHash } = claims;
  if (
    jti !== undefined &&
    (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
  ) {
    fail("ERR_ATTESTATION_INVALID", "jti must be a non-empty string of at most 256 characters");
  }
  if (typeof agentId !== "string" || agentId.length === 0) {
    fail("ERR_ATTESTATION_INVALID", "agentId is missing");
  }
  if (agentId !== ctx.agentName) {
    fail("ERR_ATTESTATION_MISMATCH", "agentId does not match the authenticated agent");
  }
  if (
    intentHash !== undefined &&
    (typeof intentHash !== "string" || !SHA256_HEX.test(intentHash))
  ) {
    fail("ERR_ATTESTATION_INVALID", "intentHash must be 64 lowercase hex characters");
  }
  if (policyHash !== undefined && typeof policyHash !== "string") {
    fail("ERR_ATTESTATION_INVALID", "policyHash must be a string");
  }
  const checked: CheckedClaims = {
    iss: iss as string,
    agentId: agentId as string,
    iat: iat as number,
    exp: exp as number,
  };
  if (jti !== undefined) checked.jti = jti as string;
  if (intentHash !== undefined) checked.intentHash = intentHash as string;
  if (policyHash !== undefined) checked.policyHash = policyHash as string;
  return checked;
}

function fail(code: ErrorCode, reason: string): never {
  throw new SigilError(code, reason);
}
