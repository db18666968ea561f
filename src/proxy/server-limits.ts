/**
 * Limits shared by the listener and the in-tunnel HTTP server: a 32 KiB request head, and a head
 * that must arrive complete within `proxy.header_timeout_ms` (a client dribbling a CONNECT or an
 * inner head byte by byte is cut off with 408 instead of holding a socket forever).
 */
import type { ServerOptions } from "node:http";
import type { ProxySettings } from "../config/compile.js";
import { SigilError } from "../errors.js";

export const MAX_HEADER_BYTES = 32 * 1024;

export function serverLimits(proxy: Pick<ProxySettings, "headerTimeoutMs">): ServerOptions {
  return {
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout: proxy.headerTimeoutMs,
    // Bodies may stream for long (uploads): the 5 s deadline and the idle timeout bound them instead.
    requestTimeout: 0,
    keepAliveTimeout: 30_000,
    // Node checks the timeouts above on this period (default 30 s), which would let a dribbling
    // head live up to header_timeout_ms + 30 s.
    connectionsCheckingInterval: 1000,
    // Host checks are ours (target.ts), so that a missing Host is refused with a code and audited.
    requireHostHeader: false,
  };
}

/** The refusal for an error Node's HTTP parser reported on a connection (before any request). */
export function clientErrorToSigil(err: NodeJS.ErrnoException): SigilError {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return new SigilError(
      "ERR_REQUEST_TIMEOUT",
      "request head not received within proxy.header_timeout_ms",
    );
  }
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  return new SigilError(
    "ERR_BAD_REQUEST",
    tooLarge ? "request header block too large" : "malformed or ambiguous HTTP request",
  );
}
