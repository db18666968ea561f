/**
 * An upstream that records the exact bytes the proxy writes on each connection and reads them
 * with the strict parser (strict-http.ts), so framing tests see what a real server would execute:
 * every request parsed on every connection, and any bytes that do not parse. It answers each
 * request as soon as it is complete; a few paths answer in ways the proxy must handle safely.
 *
 * - `/early…`: answers 200 as soon as the head arrives, before the body (early response).
 * - `/reason…`: 401 whose reason phrase echoes the request's Authorization value.
 * - `/te-gzip…`: `Transfer-Encoding: gzip` body holding the Authorization value, delimited by close.
 * - `/te-compress…`: `Transfer-Encoding: compress, chunked` (a coding Vault cannot decode).
 */
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";
import { listenOnLoopback } from "./loopback-server.js";
import type { TestPki } from "./pki.js";
import {
  parseStrictHead,
  parseStrictRequests,
  StrictParseError,
  type StrictRequest,
} from "./strict-http.js";

export interface RawConnection {
  readonly id: number;
  /** The TLS server name the client sent (SNI); null for plain TCP or none. */
  readonly servername: string | null;
  /** Every byte received, in order. */
  bytes: Buffer;
  readonly requests: StrictRequest[];
  /** Set when the bytes stopped parsing; the connection is closed then. */
  error?: string;
  /** Bytes of an incomplete request left when the connection closed. */
  leftover: number;
  closed: boolean;
}

export interface RawUpstream {
  readonly port: number;
  /** TCP connections accepted so far (for TLS: before any handshake, failed ones included). */
  readonly accepted: number;
  readonly connections: RawConnection[];
  /** Every parsed request on every connection, in arrival order. */
  requests(): (StrictRequest & { connection: number })[];
  close(): Promise<void>;
}

/** `pki` given: TLS with a leaf for `hosts`; otherwise plain TCP. */
export async function startRawUpstream(opts: { pki?: TestPki; hosts?: string[] } = {}) {
  const connections: RawConnection[] = [];
  const order: (StrictRequest & { connection: number })[] = [];
  const onSocket = (socket: Socket) => {
    const servername = (socket as Partial<TLSSocket>).servername;
    const conn: RawConnection = {
      id: connections.length,
      servername: typeof servername === "string" ? servername : null,
      bytes: Buffer.alloc(0),
      requests: [],
      leftover: 0,
      closed: false,
    };
    connections.push(conn);
    let pending: Buffer = Buffer.alloc(0);
    let answeredEarly = false;
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      conn.closed = true;
      conn.leftover = pending.length;
    });
    socket.on("data", (chunk: Buffer) => {
      conn.bytes = Buffer.concat([conn.bytes, chunk]);
      pending = Buffer.concat([pending, chunk]);
      try {
        const head = parseStrictHead(pending);
        if (head?.target.startsWith("/early") && !answeredEarly) {
          answeredEarly = true;
          socket.write(response(200, "early"));
        }
        const { requests, rest } = parseStrictRequests(pending);
        pending = rest;
        for (const req of requests) {
          conn.requests.push(req);
          order.push({ ...req, connection: conn.id });
          if (req.target.startsWith("/early")) answeredEarly = false;
          else answer(socket, req);
        }
      } catch (err) {
        conn.error = err instanceof StrictParseError ? err.message : String(err);
        socket.destroy();
      }
    });
  };
  let server: Server;
  if (opts.pki) {
    const leaf = opts.pki.issue(opts.hosts ?? ["localhost", "127.0.0.1"]);
    server = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, onSocket);
  } else {
    server = createNetServer(onSocket);
  }
  let accepted = 0;
  server.on("connection", () => accepted++);
  const listener = await listenOnLoopback(server);
  return {
    port: listener.port,
    get accepted() {
      return accepted;
    },
    connections,
    requests: () => [...order],
    close: listener.close,
  } satisfies RawUpstream;
}

function answer(socket: Socket, req: StrictRequest): void {
  const auth = req.headers.find(([k]) => k === "authorization")?.[1] ?? "";
  if (req.target.startsWith("/reason")) {
    socket.write(`HTTP/1.1 401 Invalid credential ${auth}\r\nContent-Length: 0\r\n\r\n`);
  } else if (req.target.startsWith("/te-gzip")) {
    socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    socket.end(gzipSync(`you sent ${auth}`));
  } else if (req.target.startsWith("/te-compress")) {
    socket.write(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: compress, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
  } else if (req.method === "HEAD") {
    socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  } else {
    socket.write(response(200, JSON.stringify({ target: req.target, bytes: req.body.length })));
  }
}

function response(status: number, body: string): string {
  return (
    `HTTP/1.1 ${status} OK\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
