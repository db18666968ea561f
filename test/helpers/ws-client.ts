/**
 * The agent's side of a WebSocket through the proxy: the opening handshake written by hand (with
 * an extension offer the proxy must strip), then frames sent masked and read back in order, with
 * every byte received kept so tests can search it for secrets.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import { parseHead, withTimeout, type AgentResponse } from "./agent-client.js";
import { createFrameParser, encodeFrame, type Frame, type FrameSpec } from "./ws-frames.js";

export interface WsHandshake {
  /** Request target: a path in a tunnel, an absolute `http://` URL on the listener. */
  target: string;
  host: string;
  headers?: Record<string, string>;
}

/** The proxy's answer and, after a 101, the open session. */
export interface WsConnection {
  status: number;
  headers: IncomingHttpHeaders;
  /** The key the handshake sent (for Sec-WebSocket-Accept checks). */
  key: string;
  /** Every byte received after the response head, as received. */
  readonly received: Buffer;
  /** Sends a frame, masked as a client must. */
  send(f: FrameSpec): void;
  /** The next frame from the proxy. */
  next(timeoutMs?: number): Promise<Frame>;
  /** Resolves when the socket has closed, with every byte after the head (a non-101 body). */
  closed(timeoutMs?: number): Promise<Buffer>;
  destroy(): void;
}

/** A refused handshake as an AgentResponse (body read until close), for `expectErrorResponse`. */
export async function asResponse(ws: WsConnection, connectStatus = 200): Promise<AgentResponse> {
  return { connectStatus, status: ws.status, headers: ws.headers, body: await ws.closed() };
}

export async function openWebSocket(
  socket: Duplex,
  hs: WsHandshake,
  timeoutMs = 10_000,
): Promise<WsConnection> {
  const key = randomBytes(16).toString("base64");
  let text =
    `GET ${hs.target} HTTP/1.1\r\nHost: ${hs.host}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n`;
  for (const [k, v] of Object.entries(hs.headers ?? {})) text += `${k}: ${v}\r\n`;
  socket.write(text + "\r\n");

  let buf = Buffer.alloc(0);
  let after: Buffer[] = [];
  const parser = createFrameParser();
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  let head: { status: number; headers: IncomingHttpHeaders } | undefined;
  const gotHead = new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      if (head) {
        after.push(chunk);
        frames.push(...parser.push(chunk));
        waiters.splice(0).forEach((w) => w());
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      const at = buf.indexOf("\r\n\r\n");
      if (at < 0) return;
      head = parseHead(buf.subarray(0, at).toString("latin1"));
      const rest = buf.subarray(at + 4);
      after = [rest];
      frames.push(...parser.push(rest));
      resolve();
    });
    socket.once("close", () => reject(new Error("closed before a response head")));
  });
  gotHead.catch(() => undefined);
  const closed = new Promise<Buffer>((resolve) => {
    socket.once("close", () => resolve(Buffer.concat(after)));
  });
  socket.on("error", () => undefined);
  await withTimeout(gotHead, timeoutMs, "handshake answer");
  const { status, headers } = head!;
  return {
    status,
    headers,
    key,
    get received() {
      return Buffer.concat(after);
    },
    send: (f) => void socket.write(encodeFrame({ ...f, mask: true })),
    async next(ms = timeoutMs) {
      const until = Date.now() + ms;
      while (frames.length === 0) {
        if (Date.now() > until || socket.destroyed) throw new Error("no frame arrived");
        await withTimeout(
          new Promise<void>((r) => waiters.push(r)),
          until - Date.now() + 1,
          "frame",
        ).catch(() => undefined);
      }
      return frames.shift()!;
    },
    closed: (ms = timeoutMs) => withTimeout(closed, ms, "close"),
    destroy: () => socket.destroy(),
  };
}
