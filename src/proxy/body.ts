/**
 * Buffers a request body for `body_sha256` binding (spec §5.4) or SigV4 signing, up to the
 * per-request limit (413 beyond) and within the global buffered-body budget (503 beyond). Only
 * requests that need the whole body pay for this; others stream. The caller frees the reservation
 * when the request ends, whatever the outcome.
 */
import type { IncomingMessage } from "node:http";
import { SigilError } from "../errors.js";
import type { BodyReservation } from "./body-budget.js";

export function readBodyLimited(
  req: IncomingMessage,
  limit: number,
  budget: BodyReservation,
): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.reject(tooLarge(limit));
  // A declared length is reserved before a byte is read; a chunked body chunk by chunk.
  if (!budget.take(declared)) return Promise.reject(overloaded());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      if (size > declared && !budget.take(Math.min(chunk.length, size - declared))) {
        return fail(overloaded());
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = () =>
      fail(new SigilError("ERR_BAD_REQUEST", "request body was not received completely"));
    const fail = (err: SigilError) => {
      cleanup();
      chunks.length = 0;
      reject(err);
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

function overloaded(): SigilError {
  return new SigilError(
    "ERR_OVERLOADED",
    "buffered request bodies are at proxy.max_buffered_body_bytes; retry shortly",
  );
}
