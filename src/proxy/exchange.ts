/**
 * Keeps a pooled upstream connection reusable only after a regular exchange (spec §3): the whole
 * request body written and the whole response read. Anything else — a response that starts
 * before the request body is finished, an agent body cut short — could leave the upstream's parser
 * mid-message, so the next request on that connection would be read as part of this one. Such a
 * connection is destroyed, never reused. Upstream `Connection: close`, response parse errors
 * (including a second response), length mismatches, timeouts and aborts already destroy the
 * socket inside node:http.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";

export function guardExchange(out: ClientRequest, agentBody: Readable | undefined): void {
  if (agentBody) {
    // pipe() does not end or destroy its destination when the source breaks: without this, the
    // upstream would be left waiting for the rest of a body that is never coming.
    const onClose = () => {
      if (!agentBody.readableEnded && !out.writableFinished) {
        out.destroy(new Error("agent request body ended early"));
      }
    };
    agentBody.once("close", onClose);
    out.once("close", () => agentBody.off("close", onClose));
  }
  out.once("response", (res: IncomingMessage) => {
    if (!out.writableFinished) out.shouldKeepAlive = false;
    res.once("end", () => {
      // Answered before the body was sent: stop sending it, and drop the connection.
      if (!out.writableFinished) out.destroy();
    });
  });
}
