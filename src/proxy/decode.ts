/**
 * Compressed response bodies are decoded before redaction, because masking a credential needs
 * the plaintext bytes. The agent then receives the identity-encoded body (always acceptable in
 * HTTP); an encoding Vault cannot decode is refused rather than passed through unscanned.
 */
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Transform } from "node:stream";
import { SigilError } from "../errors.js";

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** A decoder for the response's Content-Encoding, or undefined for identity. */
export function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return undefined;
  const make = DECODERS[encoding];
  if (!make) {
    throw new SigilError(
      "ERR_UPSTREAM_FAILED",
      "upstream response uses a content-encoding Vault cannot inspect",
    );
  }
  return make();
}

/** Drops the headers that describe the encoded body once Vault forwards it decoded. */
export function withoutEncodingHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (name === "content-encoding" || name === "content-length") continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}
