/**
 * Structural checks of a compact JWS and its protected header (spec §5.2), before any key is touched.
 * Only `alg: EdDSA` with a `kid` (and `typ: JWT`) is accepted: every other header parameter could
 * change how the token is interpreted (`crit`, `b64`) or where the key comes from (`jku`, `jwk`, `x5u`).
 * https://www.rfc-editor.org/rfc/rfc7515#section-4.1
 */
import { SigilError } from "../errors.js";
import { decodeBase64url } from "./base64url.js";
import { parseJsonObjectBytes, StrictJsonError } from "./strict-json.js";

export const MAX_ATTESTATION_BYTES = 8 * 1024;
const ALLOWED_HEADER_PARAMS = new Set(["alg", "kid", "typ"]);

/** A compact JWS whose structure and header passed; signature not yet verified. */
export interface ParsedJws {
  kid: string;
  /** `BASE64URL(header) "." BASE64URL(payload)`, the bytes the signature covers. */
  signingInput: string;
  payload: Buffer;
  signature: Buffer;
}

/** Splits and decodes a compact JWS and checks its header; throws ERR_ATTESTATION_INVALID. */
export function parseCompactJws(token: string): ParsedJws {
  if (token.length > MAX_ATTESTATION_BYTES) throw invalid("attestation exceeds 8 KiB");
  const dot1 = token.indexOf(".");
  const dot2 = dot1 < 0 ? -1 : token.indexOf(".", dot1 + 1);
  if (dot2 < 0 || token.indexOf(".", dot2 + 1) >= 0) {
    throw invalid("attestation is not a compact JWS with exactly 3 segments");
  }
  const header = token.slice(0, dot1);
  const knownKid = checkedHeaders.get(header);
  const headerBytes = knownKid === undefined ? decodeBase64url(header) : undefined;
  const payload = decodeBase64url(token.slice(dot1 + 1, dot2));
  const signature = decodeBase64url(token.slice(dot2 + 1));
  if (knownKid === undefined && headerBytes === undefined)
    throw invalid("header segment is not canonical unpadded base64url");
  if (payload === undefined) throw invalid("payload segment is not canonical unpadded base64url");
  if (signature === undefined) {
    throw invalid("signature segment is not canonical unpadded base64url");
  }
  const kid = knownKid ?? rememberHeader(headerBytes!);
  return { kid, signingInput: token.slice(0, dot2), payload, signature };
}

/**
 * Header segments that passed `checkHeader`, with their kid. A signer puts the same header on
 * every token, and the checks are a pure function of the segment's text, so a hit skips decoding
 * and parsing it again. Bounded: a flood of distinct valid headers only empties it.
 */
const checkedHeaders = new Map<string, string>();
const MAX_CHECKED_HEADERS = 64;

/** Checks a decoded header (throwing as usual) and remembers its segment when it passes. */
function rememberHeader(headerBytes: Buffer): string {
  const kid = checkHeader(parseSegment(headerBytes, "header"));
  if (checkedHeaders.size >= MAX_CHECKED_HEADERS) checkedHeaders.clear();
  // Keyed by a fresh string (the canonical segment) rather than a slice that holds the whole token.
  checkedHeaders.set(headerBytes.toString("base64url"), kid);
  return kid;
}

/** Parses a decoded segment as a strict JSON object; `name` is "header" or "payload". */
export function parseSegment(bytes: Buffer, name: string): Record<string, unknown> {
  try {
    return parseJsonObjectBytes(bytes);
  } catch (err) {
    if (err instanceof StrictJsonError) throw invalid(`${name} ${err.message}`);
    throw err;
  }
}

function checkHeader(header: Record<string, unknown>): string {
  if (header.alg !== "EdDSA") throw invalid('header alg must be "EdDSA"');
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER_PARAMS.has(name)) throw invalid("header has an unsupported parameter");
  }
  if (header.typ !== undefined && header.typ !== "JWT") {
    throw invalid('header typ must be "JWT" when present');
  }
  if (typeof header.kid !== "string" || header.kid.length === 0) {
    throw invalid("header kid is missing");
  }
  return header.kid;
}

function invalid(reason: string): SigilError {
  return new SigilError("ERR_ATTESTATION_INVALID", reason);
}
