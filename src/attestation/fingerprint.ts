/**
 * Trust-anchor fingerprints (spec §5.1). Operators copy either the SHA-256 of the raw 32-byte
 * Ed25519 key or the RFC 7638 JWK thumbprint, in hex or base64url; all three pin the same key.
 * https://www.rfc-editor.org/rfc/rfc7638
 */
import { createHash } from "node:crypto";
import { SigilError } from "../errors.js";
import { decodeBase64url } from "./base64url.js";

/** A parsed `sha256:` fingerprint: 32 bytes in hex (raw key or thumbprint) or a base64url thumbprint. */
export type ParsedFingerprint =
  { form: "hex"; hex: string } | { form: "base64url"; thumbprint: string };

/** The public members of an Ed25519 JWK that fingerprints are computed from. */
export interface Ed25519PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  /** Canonical base64url of the 32-byte public key. */
  x: string;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Parses `sha256:<64 hex>` or `sha256:<43-char base64url>`; throws ERR_TRUST_ANCHOR otherwise. */
export function parseFingerprint(fingerprint: string): ParsedFingerprint {
  if (!fingerprint.startsWith("sha256:")) {
    throw new SigilError("ERR_TRUST_ANCHOR", 'fingerprint must start with "sha256:"');
  }
  const body = fingerprint.slice("sha256:".length);
  if (HEX64.test(body)) return { form: "hex", hex: body.toLowerCase() };
  if (body.length === 43 && decodeBase64url(body)?.length === 32) {
    return { form: "base64url", thumbprint: body };
  }
  throw new SigilError(
    "ERR_TRUST_ANCHOR",
    "fingerprint must be sha256:<64 hex> or sha256:<base64url RFC 7638 thumbprint>",
  );
}

/** `sha256:` + hex SHA-256 of the raw 32-byte public key (the form `dev signer` prints). */
export function rawKeyFingerprint(jwk: Ed25519PublicJwk): string {
  const raw = Buffer.from(jwk.x, "base64url");
  return "sha256:" + createHash("sha256").update(raw).digest("hex");
}

/**
 * RFC 7638 thumbprint (SHA-256) of an Ed25519 JWK, base64url-encoded: the hash of the JSON of the
 * required members only, in lexicographic order, with no whitespace (RFC 8037 §2 names them for
 * OKP: crv, kty, x). `x` is base64url already, so it needs no escaping.
 */
export function jwkThumbprint(jwk: Ed25519PublicJwk): string {
  const members = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}"}`;
  return createHash("sha256").update(members, "utf8").digest("base64url");
}

/** True when the fingerprint pins this key in any accepted form. */
export function fingerprintMatches(
  jwk: Ed25519PublicJwk,
  fingerprint: string | ParsedFingerprint,
): boolean {
  const fp = typeof fingerprint === "string" ? parseFingerprint(fingerprint) : fingerprint;
  const thumbprint = jwkThumbprint(jwk);
  if (fp.form === "base64url") return fp.thumbprint === thumbprint;
  if (rawKeyFingerprint(jwk) === "sha256:" + fp.hex) return true;
  return Buffer.from(thumbprint, "base64url").toString("hex") === fp.hex;
}
