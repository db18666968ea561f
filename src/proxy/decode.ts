/**
 * Compressed response bodies are decoded before redaction, because masking a credential needs
 * the plaintext bytes. The agent then receives the identity-encoded body (always acceptable in
 * HTTP); an encoding Vault cannot decode is refused rather than passed through unscanned. The
 * same holds for transfer codings: Transfer-Encoding is hop-by-hop and never reaches the agent,
 * so a `gzip` transfer coding must be undone here or its bytes would pass the redactor encoded.
 */
import type { IncomingHttpHeaders } from "node:http";
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

/**
 * The decoders for a response body, in the order they apply: transfer codings first (Node's
 * parser has already removed a final `chunked`), then the content coding.
 */
export function responseDecoders(headers: IncomingHttpHeaders): Transform[] {
  const out: Transform[] = [];
  const codings = (headers["transfer-encoding"] ?? "")
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "" && t !== "identity");
  if (codings[codings.length - 1] === "chunked") codings.pop();
  for (const coding of codings.reverse()) {
    const make = coding === "chunked" ? undefined : DECODERS[coding];
    if (!make) {
      throw new SigilError(
        "ERR_UPSTREAM_FAILED",
        "upstream response uses a transfer-coding Vault cannot inspect",
      );
    }
    out.push(make());
  }
  const content = decoderFor(headers["content-encoding"]);
  if (content) out.push(content);
  return out;
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
