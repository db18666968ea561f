/**
 * Reads a request body to bytes so its SHA-256 can go in the intent before anything is sent.
 * Strings, bytes, Blobs, FormData, URLSearchParams and streams all arrive here as the Request's
 * body stream; a body beyond the limit is refused before Sign or Vault sees anything.
 */
import { SigilClientError } from "./errors.js";

/** Vault's default `proxy.max_body_bytes` (it buffers a pinned body to check it). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function readBodyLimited(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new SigilClientError(
        "ERR_CLIENT_BODY_TOO_LARGE",
        `the request body exceeds ${maxBytes} bytes, the most the client hashes (maxBodyBytes)`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
