/**
 * Compressed response bodies are decoded before redaction, because masking a credential needs
 * the plaintext bytes. The agent then receives the identity-encoded body (always acceptable in
 * HTTP); an encoding Vault cannot decode is refused rather than passed through unscanned. The
 * same holds for transfer codings: Transfer-Encoding is hop-by-hop and never reaches the agent,
 * so a `gzip` transfer coding must be undone here or its bytes would pass the redactor encoded.
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

/** The response head fields that say how its body is encoded and sized. */
export interface BodyCodings {
  "transfer-encoding"?: string;
  "content-encoding"?: string;
  "content-length"?: string;
}

/**
 * The coding fields from a raw header list, as Node's `headers` object would give them (repeated
 * codings joined with ", ", the first Content-Length), without building that whole object.
 */
export function bodyCodings(raw: readonly string[]): BodyCodings {
  const out: BodyCodings = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // Only names of these lengths can match: most headers are skipped without lower-casing.
    if (name.length !== 16 && name.length !== 17 && name.length !== 14) continue;
    const lower = name.toLowerCase();
    const value = raw[i + 1] as string;
    if (lower === "transfer-encoding" || lower === "content-encoding") {
      const prev = out[lower];
      out[lower] = prev === undefined ? value : `${prev}, ${value}`;
    } else if (lower === "content-length" && out["content-length"] === undefined) {
      out["content-length"] = value;
    }
  }
  return out;
}

/**
 * The decoders for a response body, in the order they apply: transfer codings first (Node's
 * parser has already removed a final `chunked`), then the content coding.
 */
export function responseDecoders(headers: BodyCodings): Transform[] {
  const out: Transform[] = [];
  if (headers["transfer-encoding"] === undefined && headers["content-encoding"] === undefined) {
    return out;
  }
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
