/**
 * WebSocket behaviours of the fake upstream (its `upgrade` handler), by path: echo, leak the
 * injected credential in frames, refuse the upgrade, negotiate an extension nobody offered, reset
 * mid-session, or stay silent. The credential is whatever arrived in the handshake's Authorization.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { acceptKey, createFrameParser, encodeFrame, OP } from "./ws-frames.js";

/** Paths the upstream answers with a WebSocket behaviour. */
export const WS_PATHS = {
  echo: "/ws/echo",
  leak: "/ws/leak",
  refuse: "/ws/refuse",
  deflate: "/ws/deflate",
  reset: "/ws/reset",
  silent: "/ws/silent",
} as const;

/** `reset` sends a TCP RST on the connection (the TLS layer cannot). */
export function serveWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  reset: () => void,
): void {
  socket.on("error", () => socket.destroy());
  const path = new URL(req.url ?? "/", "http://upstream.invalid").pathname;
  const secret = String(req.headers["authorization"] ?? "");
  if (path === WS_PATHS.refuse) {
    // Echoes the credential in the refusal: the proxy must mask it.
    const body = JSON.stringify({ error: "forbidden", seen: secret });
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n` +
        `X-Seen: ${secret}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    return;
  }
  const key = String(req.headers["sec-websocket-key"] ?? "");
  let head101 =
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nX-Upstream: ws\r\n`;
  if (path === WS_PATHS.deflate) head101 += "Sec-WebSocket-Extensions: permessage-deflate\r\n";
  const protocol = req.headers["sec-websocket-protocol"];
  if (typeof protocol === "string")
    head101 += `Sec-WebSocket-Protocol: ${protocol.split(",")[0]}\r\n`;
  socket.write(head101 + "\r\n");
  if (path === WS_PATHS.leak) leak(socket, secret);
  if (path === WS_PATHS.reset) {
    socket.write(encodeFrame({ opcode: OP.text, payload: "going" }));
    setTimeout(reset, 50);
    return;
  }
  if (path !== WS_PATHS.silent) echo(socket, head);
}

/** Echoes every frame as it came (fragments stay fragments); ping → pong; close → close, end. */
function echo(socket: Duplex, head: Buffer): void {
  const parser = createFrameParser();
  const onData = (chunk: Buffer) => {
    for (const f of parser.push(chunk)) {
      if (f.opcode === OP.ping) {
        socket.write(encodeFrame({ opcode: OP.pong, payload: f.payload }));
      } else if (f.opcode === OP.close) {
        socket.end(encodeFrame({ opcode: OP.close, payload: f.payload }));
      } else {
        socket.write(encodeFrame({ opcode: f.opcode, fin: f.fin, payload: f.payload }));
      }
    }
  };
  socket.on("data", onData);
  if (head.length > 0) onData(head);
}

/**
 * Sends the credential in a message split across three fragments (the cut inside the secret),
 * with a ping carrying it interleaved, then a binary frame with it — byte by byte for the first
 * frame, so the proxy sees it in many small reads. Then echoes like `echo`.
 */
function leak(socket: Duplex, secret: string): void {
  const text = `token=${secret};`;
  const cut1 = 10;
  const cut2 = text.length - 5;
  const first = encodeFrame({ opcode: OP.text, fin: false, payload: text.slice(0, cut1) });
  for (const byte of first) socket.write(Buffer.from([byte]));
  socket.write(encodeFrame({ opcode: OP.ping, payload: secret }));
  socket.write(encodeFrame({ opcode: OP.cont, fin: false, payload: text.slice(cut1, cut2) }));
  socket.write(encodeFrame({ opcode: OP.cont, payload: text.slice(cut2) }));
  socket.write(encodeFrame({ opcode: OP.binary, payload: Buffer.from(`bin:${secret}`) }));
}
