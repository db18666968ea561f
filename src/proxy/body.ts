/**
 * Buffers a request body for `body_sha256` binding (spec §5.4), up to the configured limit
 * (413 beyond). Only routes whose intent carries a body hash pay for this; others stream.
 */
import type { IncomingMessage } from "node:http";
import { SigilError } from "../errors.js";

export function readBodyLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = () => {
      cleanup();
      reject(new SigilError("ERR_BAD_REQUEST", "request body was not received completely"));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

function tooLarge(limit: number): SigilError {
  return new SigilError(
    "ERR_BODY_TOO_LARGE",
    `request body exceeds the ${limit}-byte binding limit`,
  );
}
