/**
 * Mints attestations in exactly the shape Sigil Sign emits (header `{alg,kid}`, claims in Sign's
 * order), so Vault's gate is exercised by the dev signer the way it will be by Sign itself.
 */
import { createHash, sign } from "node:crypto";
import { encodeBase64url } from "../attestation/base64url.js";
import type { DevKey } from "./keys.js";

/** Fixed text whose SHA-256 is the dev signer's `policyHash`: it allows everything. */
export const DEV_POLICY_TEXT = "sigil-vault dev signer policy v1: allow every intent";
export const DEV_POLICY_HASH = sha256Hex(DEV_POLICY_TEXT);
export const ATTESTATION_LIFETIME_SECONDS = 60;

/** What one attestation authorizes. */
export interface AttestationRequest {
  agentId: string;
  framework: string;
  /** pg-commit-v1 hash of the intent; the token carries `intentHash = sha256hex(txCommit)`. */
  txCommit: string;
  /** Issue time in whole seconds. */
  iat: number;
}

/** Signs an intent attestation with the dev key. */
export function signAttestation(key: DevKey, req: AttestationRequest): string {
  const header = { alg: "EdDSA", kid: key.kid };
  const claims = {
    iss: "sigil-core",
    aud: "sigil-sign",
    agentId: req.agentId,
    framework: req.framework,
    intentHash: sha256Hex(req.txCommit),
    policyHash: DEV_POLICY_HASH,
    provenance: "agent",
    decision: "ALLOWED",
    iat: req.iat,
    exp: req.iat + ATTESTATION_LIFETIME_SECONDS,
    kid: key.kid,
  };
  return signJws(key, header, claims);
}

/**
 * Sign's decision record: a JWS typed `sof-decision+jws` sharing `kid`, `intentHash` and
 * `policyHash` with the attestation. Vault refuses it as an attestation (its `typ` and claims).
 */
export function signDecisionRecord(
  key: DevKey,
  req: AttestationRequest & { requestNonce?: string },
): string {
  const header = { alg: "EdDSA", kid: key.kid, typ: "sof-decision+jws" };
  const claims = {
    decision: "ALLOWED",
    agentId: req.agentId,
    framework: req.framework,
    intentHash: sha256Hex(req.txCommit),
    policyHash: DEV_POLICY_HASH,
    ...(req.requestNonce !== undefined ? { requestNonce: req.requestNonce } : {}),
    iat: req.iat,
    kid: key.kid,
  };
  return signJws(key, header, claims);
}

function signJws(key: DevKey, header: object, claims: object): string {
  const input =
    encodeBase64url(JSON.stringify(header)) + "." + encodeBase64url(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(input, "ascii"), key.privateKey);
  return input + "." + encodeBase64url(signature);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
