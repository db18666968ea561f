/**
 * What the agent receives for a WebSocket handshake, written on the raw socket (there is no
 * ServerResponse after an Upgrade): the upstream's 101 with hop-by-hop headers replaced by ours,
 * or its refusal relayed as an ordinary response, decoded and redacted, delimited by close.
 */
import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SigilError } from "../errors.js";
import { bodyCodings, responseDecoders, withoutEncodingHeaders } from "./decode.js";
import { responseHeaders } from "./headers.js";
import type { Redactor } from "./redact.js";

/**
 * The 101 head for the agent. Extensions were not offered upstream, so a 101 naming one (or not
 * switching to websocket) is refused: its frames could be compressed past the redactor.
 */
export function switchingHead(res: IncomingMessage, redactor: Redactor): string {
  const upgrade = String(res.headers["upgrade"] ?? "").toLowerCase();
  if (upgrade !== "websocket" || res.headers["sec-websocket-extensions"] !== undefined) {
    throw new SigilError(
      "ERR_UPSTREAM_FAILED",
      "upstream 101 did not switch to plain websocket (extensions are not offered)",
    );
  }
  const headers = redactor.headers(responseHeaders(res.rawHeaders));
  return head(101, [...headers, "Connection", "Upgrade", "Upgrade", "websocket"]);
}

/**
 * Relays a non-101 answer; resolves with the body bytes sent, rejects when the relay broke (the
 * streams are destroyed then). Throws before writing anything when the encoding is unreadable.
 */
export function relayAnswer(
  res: IncomingMessage,
  agent: Duplex,
  redactor: Redactor,
  idleMs: number,
): Promise<number> {
  const decoders = responseDecoders(bodyCodings(res.rawHeaders));
  // Delimited by close: the length goes (decoding changes it), and so does an identity encoding.
  const headers = withoutEncodingHeaders(responseHeaders(res.rawHeaders));
  agent.write(head(res.statusCode ?? 502, [...redactor.headers(headers), "Connection", "close"]));
  let bytes = 0;
  res.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  res.socket.setTimeout(idleMs, () => res.destroy(new Error("idle")));
  const stages: Readable[] = [res, ...decoders];
  return pipeline([...stages, redactor.body(), agent]).then(() => bytes);
}

/** A response head; the reason phrase is the standard one (the upstream's is free text). */
function head(status: number, raw: readonly string[]): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return out + "\r\n";
}
