/**
 * The attestation gate (spec §5.2): structure and header, anchored key, one Ed25519 signature check,
 * then claims. Synchronous and allocation-light because it runs on every routed request; keys are
 * loaded ahead of time by the key ring, never fetched here.
 */
import { hash } from "node:crypto";
import { SigilError } from "../errors.js";
import { checkClaims, type ClaimContext } from "./claims.js";
import { parseCompactJws, parseSegment } from "./compact-jws.js";
import { ed25519 } from "./ed25519.js";
import type { KeyLookup } from "./keys.js";

/** Inputs to `verifyAttestation`: anchored keys, the clock, skew and the authenticated agent. */
export interface VerifyContext extends ClaimContext {
  keys: KeyLookup;
}

/** An attestation that passed every check; what the pipeline audits and binds. */
export interface VerifiedAttestation {
  /** `jti:<jti>` when the token has a jti, else `sha256:<hex of the compact token>` (spec §5.3). */
  replayId: string;
  iss: string;
  kid: string;
  agentId: string;
  intentHash?: string;
  policyHash?: string;
  iat: number;
  exp: number;
  /** The full verified payload. */
  claims: Readonly<Record<string, unknown>>;
}

const ED25519_SIGNATURE_BYTES = 64;

/** Verifies a compact attestation; throws SigilError (ERR_ATTESTATION_*) with a reason. */
export function verifyAttestation(token: string, ctx: VerifyContext): VerifiedAttestation {
  const jws = parseCompactJws(token);
  if (!ctx.keys.isAnchored(jws.kid)) {
    throw new SigilError("ERR_ATTESTATION_UNTRUSTED", "kid is not a trust anchor");
  }
  const anchored = ctx.keys.get(jws.kid);
  if (anchored === undefined) {
    throw new SigilError(
      "ERR_ATTESTATION_UNTRUSTED",
      "key for this kid is anchored but not loaded",
    );
  }
  if (anchored.key.asymmetricKeyType !== "ed25519") {
    throw new SigilError("ERR_ATTESTATION_UNTRUSTED", "anchored key is not an Ed25519 key");
  }
  if (jws.signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new SigilError("ERR_ATTESTATION_INVALID", "signature must be 64 bytes");
  }
  const input = Buffer.from(jws.signingInput, "ascii");
  if (!ed25519().verify(input, jws.signature, anchored.key)) {
    throw new SigilError("ERR_ATTESTATION_INVALID", "signature does not verify");
  }
  const claims = parseSegment(jws.payload, "payload");
  const checked = checkClaims(claims, jws.kid, anchored.anchor, ctx);
  const replayId =
    checked.jti !== undefined ? "jti:" + checked.jti : "sha256:" + hash("sha256", token); // the token passed as base64url, so UTF-8 is ASCII
  // Built member by member (no spreads), in the order the fields are declared.
  const verified = {
    replayId,
    iss: checked.iss,
    kid: jws.kid,
    agentId: checked.agentId,
  } as VerifiedAttestation;
  if (checked.intentHash !== undefined) verified.intentHash = checked.intentHash;
  if (checked.policyHash !== undefined) verified.policyHash = checked.policyHash;
  verified.iat = checked.iat;
  verified.exp = checked.exp;
  verified.claims = claims;
  return verified;
}
