/**
 * Request body framing toward the upstream (spec §3 "Outbound framing"). The agent's framing
 * headers never travel: `outboundHeaders` drops `Content-Length` and `Transfer-Encoding`, and the
 * forwarder writes framing of its own for exactly the body it sends. Without this, Node's client
 * sends a GET/DELETE/OPTIONS/HEAD body with no framing at all and the upstream parses the body
 * bytes as further (unattested) requests on a pooled connection.
 */
import type { IncomingMessage, OutgoingMessage } from "node:http";
import { SigilError } from "../errors.js";

/** How the agent framed its body. Node's parser already refused CL+TE, duplicates and junk. */
export type BodyFraming =
  { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };

/** The framing of the agent's request, refusing anything that is not unambiguous. */
export function requestFraming(req: IncomingMessage): BodyFraming {
  const te = req.headers["transfer-encoding"];
  const cl = req.headers["content-length"];
  if (te !== undefined && cl !== undefined) {
    throw new SigilError(
      "ERR_BAD_REQUEST",
      "request has both Content-Length and Transfer-Encoding",
    );
  }
  if (te !== undefined) {
    if (te.trim().toLowerCase() !== "chunked") {
      throw new SigilError("ERR_BAD_REQUEST", "Transfer-Encoding other than chunked is refused");
    }
    return { kind: "chunked" };
  }
  if (cl === undefined) return { kind: "none" };
  if (!/^\d{1,15}$/.test(cl)) {
    throw new SigilError("ERR_BAD_REQUEST", "request has an invalid Content-Length");
  }
  return { kind: "length", length: Number(cl) };
}

/** True when the request carries body bytes (or says it may, with chunked framing). */
export function hasBody(framing: BodyFraming): boolean {
  return framing.kind === "chunked" || (framing.kind === "length" && framing.length > 0);
}

/**
 * Sets the framing headers on the outgoing request for the body about to be sent:
 * `Content-Length` for a buffered body (its real length) or a streamed one the agent sized,
 * `chunked` for a streamed one it did not. No header at all only for "no body", which RFC 9112
 * §6.3 reads as a zero-length body. Whatever framing the headers held before is replaced.
 */
export function setFraming(out: OutgoingMessage, body: Buffer | BodyFraming): void {
  out.removeHeader("content-length");
  out.removeHeader("transfer-encoding");
  if (Buffer.isBuffer(body)) {
    if (body.length > 0) out.setHeader("content-length", String(body.length));
    return;
  }
  if (body.kind === "length") out.setHeader("content-length", String(body.length));
  else if (body.kind === "chunked") out.setHeader("transfer-encoding", "chunked");
}
