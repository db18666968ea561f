/**
 * The one place a SigilError becomes an HTTP response (spec §4): status, `X-Sigil-Error`, and a
 * JSON body `{"error":{"code","message","requestId"}}`. Messages are the error's reason, which by
 * construction never holds a credential, token or attestation.
 */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import type { SigilError } from "../errors.js";

export function errorBody(err: SigilError, requestId: string): string {
  return JSON.stringify({ error: { code: err.code, message: err.reason, requestId } });
}

function errorHeaders(err: SigilError, requestId: string, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "x-sigil-error": err.code,
    "x-sigil-request-id": requestId,
    "cache-control": "no-store",
  };
  if (err.code === "ERR_AGENT_UNAUTHENTICATED") {
    headers["proxy-authenticate"] = 'Basic realm="sigil-vault"';
  }
  // Buckets refill at least one request per second (rate_limit minimum); the body budget frees
  // as soon as in-flight uploads finish.
  if (err.code === "ERR_RATE_LIMITED" || err.code === "ERR_OVERLOADED") {
    headers["retry-after"] = "1";
  }
  return headers;
}

/** Sends the error on an http.ServerResponse, or ends the socket if a response already started. */
export function sendError(res: ServerResponse, err: SigilError, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(err, requestId);
  const headers = errorHeaders(err, requestId, body);
  // A refused request may have an unread body; closing avoids parsing it as the next request.
  // An agent over its rate loses the connection too: requests it pipelined behind this one are
  // never read, so a flood in one write costs one read's worth of refusals, not the whole write.
  if (!res.req.complete || err.code === "ERR_RATE_LIMITED") headers["connection"] = "close";
  res.writeHead(err.status, headers);
  res.end(body);
}

/** Writes a complete error response on a raw socket (CONNECT refusals, parser errors), then closes. */
export function writeRawError(socket: Duplex, err: SigilError, requestId: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = errorBody(err, requestId);
  const headers = { ...errorHeaders(err, requestId, body), connection: "close" };
  let head = `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? "Error"}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  socket.end(head + "\r\n" + body);
}
