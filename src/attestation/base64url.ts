/**
 * Canonical unpadded base64url (RFC 7515 §2): one byte string has exactly one accepted spelling, so a
 * token cannot be re-encoded into a different replay id or smuggle bytes through lenient decoders.
 * https://www.rfc-editor.org/rfc/rfc4648#section-5
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** Maps a char code to its 6-bit value, or -1 when it is not in the base64url alphabet. */
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes canonical unpadded base64url; returns undefined for padding, `+`, `/`, whitespace, any
 * other character, an impossible length, or non-zero trailing bits (a non-canonical spelling).
 */
export function decodeBase64url(text: string): Buffer | undefined {
  const len = text.length;
  if (len % 4 === 1) return undefined;
  let last = 0;
  for (let i = 0; i < len; i++) {
    const code = text.charCodeAt(i);
    last = code < 128 ? (VALUES[code] as number) : -1;
    if (last < 0) return undefined;
  }
  // The final character of a 2- or 3-character group carries 4 or 2 unused bits; they must be zero.
  if (len % 4 === 2 && (last & 0x0f) !== 0) return undefined;
  if (len % 4 === 3 && (last & 0x03) !== 0) return undefined;
  return Buffer.from(text, "base64url");
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}
