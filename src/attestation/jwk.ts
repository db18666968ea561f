/**
 * Hardened parsing of Ed25519 public keys and JWK Sets (spec §5.1). A trust anchor's key is the root
 * of every release decision, so anything unusual (private members, other key types, ambiguity
 * between keys) rejects the whole document instead of being skipped.
 * https://www.rfc-editor.org/rfc/rfc8037 (OKP keys), https://www.rfc-editor.org/rfc/rfc7517
 */
import { SigilError } from "../errors.js";
import { decodeBase64url } from "./base64url.js";
import type { Ed25519PublicJwk } from "./fingerprint.js";
import { parseJsonObjectBytes, StrictJsonError } from "./strict-json.js";
import { isSmallOrderKey } from "./small-order.js";

/** An Ed25519 public JWK that passed every check, with its `kid` when it had one. */
export interface CheckedJwk extends Ed25519PublicJwk {
  kid?: string;
}

export const JWKS_MAX_BYTES = 64 * 1024;
export const JWKS_MAX_KEYS = 16;
const KID_MAX_LENGTH = 256;
/** Members that only private or symmetric keys carry (RFC 7518 §6, RFC 8037 §2). */
const PRIVATE_MEMBERS = ["d", "k", "p", "q", "dp", "dq", "qi", "oth"];

/** Validates one public Ed25519 JWK; `where` names it in error reasons (e.g. "JWKS key 2"). */
export function checkPublicJwk(value: unknown, where: string): CheckedJwk {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw anchorError(`${where} is not a JSON object`);
  }
  const jwk = value as Record<string, unknown>;
  for (const member of PRIVATE_MEMBERS) {
    if (member in jwk) throw anchorError(`${where} contains private key material ("${member}")`);
  }
  if (jwk.kty !== "OKP") throw anchorError(`${where}: kty must be "OKP"`);
  if (jwk.crv !== "Ed25519") throw anchorError(`${where}: crv must be "Ed25519"`);
  if (typeof jwk.x !== "string" || decodeBase64url(jwk.x)?.length !== 32) {
    throw anchorError(`${where}: x must be 32 bytes in canonical unpadded base64url`);
  }
  if (isSmallOrderKey(decodeBase64url(jwk.x)!)) {
    throw anchorError(
      `${where}: x is a small-order Ed25519 point (it would verify forged signatures)`,
    );
  }
  if (jwk.use !== undefined && jwk.use !== "sig") throw anchorError(`${where}: use must be "sig"`);
  if (jwk.alg !== undefined && jwk.alg !== "EdDSA")
    throw anchorError(`${where}: alg must be "EdDSA"`);
  if (jwk.key_ops !== undefined && !allowsVerify(jwk.key_ops)) {
    throw anchorError(`${where}: key_ops must be an array of strings including "verify"`);
  }
  const checked: CheckedJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x };
  if (jwk.kid !== undefined) {
    if (typeof jwk.kid !== "string" || jwk.kid.length === 0 || jwk.kid.length > KID_MAX_LENGTH) {
      throw anchorError(
        `${where}: kid must be a non-empty string of at most ${KID_MAX_LENGTH} chars`,
      );
    }
    checked.kid = jwk.kid;
  }
  return checked;
}

/** Parses a JWKS document; every key must be a valid Ed25519 public key with a unique `kid`. */
export function parseJwks(bytes: Uint8Array): Map<string, CheckedJwk> {
  if (bytes.length > JWKS_MAX_BYTES) throw anchorError("JWKS exceeds 64 KiB");
  let doc: Record<string, unknown>;
  try {
    doc = parseJsonObjectBytes(bytes);
  } catch (err) {
    if (err instanceof StrictJsonError) throw anchorError(`JWKS ${err.message}`);
    throw err;
  }
  if (!Array.isArray(doc.keys)) throw anchorError('JWKS has no "keys" array');
  if (doc.keys.length > JWKS_MAX_KEYS)
    throw anchorError(`JWKS has more than ${JWKS_MAX_KEYS} keys`);
  const byKid = new Map<string, CheckedJwk>();
  doc.keys.forEach((value: unknown, index: number) => {
    const jwk = checkPublicJwk(value, `JWKS key ${index}`);
    if (jwk.kid === undefined) throw anchorError(`JWKS key ${index} has no kid`);
    if (byKid.has(jwk.kid)) throw anchorError("JWKS has a duplicate kid");
    byKid.set(jwk.kid, jwk);
  });
  return byKid;
}

function allowsVerify(ops: unknown): boolean {
  return Array.isArray(ops) && ops.every((op) => typeof op === "string") && ops.includes("verify");
}

function anchorError(reason: string): SigilError {
  return new SigilError("ERR_TRUST_ANCHOR", reason);
}
