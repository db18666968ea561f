/**
 * Canonical unpadded base64url (RFC 7515 §2): one byte string has exactly one accepted spelling, so a
 * token cannot be re-encoded into a different replay id or smuggle bytes through lenient decoders.
 * https://www.rfc-editor.org/rfc/rfc4648#section-5
 */

/**
 * Decodes canonical unpadded base64url; returns undefined for padding, `+`, `/`, whitespace, any
 * other character, an impossible length, or non-zero trailing bits (a non-canonical spelling).
 * Node's decoder is lenient about all of these, but its encoder writes only the canonical
 * spelling: the text is canonical exactly when re-encoding what it decodes to gives it back.
 */
export function decodeBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}
