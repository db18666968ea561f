/**
 * Trust anchors (spec §5.1): an anchor pins a `kid` to a fingerprint and names where its public key
 * comes from. A key is only ever returned after it matched the pinned fingerprint, so a compromised
 * JWKS endpoint can withhold keys but never introduce one.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { SigilError } from "../errors.js";
import { fingerprintMatches, parseFingerprint } from "./fingerprint.js";
import { checkPublicJwk, parseJwks, type CheckedJwk } from "./jwk.js";
import { fetchJwksBytes, readJwksFile, type KeySourceDeps } from "./key-source.js";

/** A trusted signer key as configured by `trust add`. Exactly one key source must be set. */
export interface AnchorConfig {
  /** Key id the attestation header must carry. */
  kid: string;
  /** `sha256:<64 hex>` (raw key or RFC 7638 thumbprint) or `sha256:<base64url thumbprint>`. */
  fingerprint: string;
  /** Accepted `iss` values (default `["sigil-core"]`). */
  issuers: string[];
  /** Required `aud` value (default `sigil-sign`). */
  audience: string;
  /** JWKS over https (or http to loopback). */
  jwksUrl?: string;
  /** JWKS on disk. */
  jwksFile?: string;
  /** A single public JWK, inline. */
  jwk?: Record<string, unknown>;
}

export type { KeySourceDeps } from "./key-source.js";

/** Loads the anchor's JWK from its source and checks it against the pinned fingerprint. */
export async function loadAnchorJwk(
  anchor: AnchorConfig,
  deps: KeySourceDeps = {},
): Promise<CheckedJwk> {
  const fingerprint = parseFingerprint(anchor.fingerprint);
  const jwk = await loadFromSource(anchor, deps);
  if (!fingerprintMatches(jwk, fingerprint)) {
    throw new SigilError(
      "ERR_TRUST_ANCHOR",
      `key "${anchor.kid}" does not match the pinned fingerprint; it will not be used`,
    );
  }
  return jwk;
}

/** Resolves the anchor's verified public key (used by `trust add` and the key ring). */
export async function resolveAnchorKey(
  anchor: AnchorConfig,
  deps: KeySourceDeps = {},
): Promise<KeyObject> {
  return publicKeyFromJwk(await loadAnchorJwk(anchor, deps));
}

/** Builds a node KeyObject from a checked Ed25519 JWK. */
export function publicKeyFromJwk(jwk: CheckedJwk): KeyObject {
  return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
}

async function loadFromSource(anchor: AnchorConfig, deps: KeySourceDeps): Promise<CheckedJwk> {
  const sources = [anchor.jwksUrl, anchor.jwksFile, anchor.jwk].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new SigilError(
      "ERR_TRUST_ANCHOR",
      `anchor "${anchor.kid}" needs exactly one key source (JWKS URL, JWKS file or JWK)`,
    );
  }
  if (anchor.jwk !== undefined) {
    const jwk = checkPublicJwk(anchor.jwk, "JWK");
    if (jwk.kid !== undefined && jwk.kid !== anchor.kid) {
      throw new SigilError("ERR_TRUST_ANCHOR", `JWK kid differs from anchor kid "${anchor.kid}"`);
    }
    return jwk;
  }
  const bytes =
    anchor.jwksUrl !== undefined
      ? await fetchJwksBytes(anchor.jwksUrl, deps)
      : await readJwksFile(anchor.jwksFile as string, deps);
  const jwk = parseJwks(bytes).get(anchor.kid);
  if (jwk === undefined) {
    throw new SigilError("ERR_TRUST_ANCHOR", `JWKS has no key with kid "${anchor.kid}"`);
  }
  return jwk;
}
