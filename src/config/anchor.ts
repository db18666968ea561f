/**
 * A config file's anchor entry (snake_case, as written) → the AnchorConfig the attestation layer
 * reads. One mapping shared by the compiler, `trust add` and `doctor`.
 */
import type { AnchorConfig } from "../attestation/keys.js";
import type { AnchorEntry } from "./schema.js";

export function toAnchor(e: AnchorEntry): AnchorConfig {
  return {
    kid: e.kid,
    fingerprint: e.fingerprint,
    issuers: e.issuers,
    audience: e.audience,
    ...(e.jwks_url !== undefined ? { jwksUrl: e.jwks_url } : {}),
    ...(e.jwks_file !== undefined ? { jwksFile: e.jwks_file } : {}),
    ...(e.jwk !== undefined ? { jwk: e.jwk } : {}),
  };
}
