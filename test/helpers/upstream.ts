/**
 * A fake upstream (HTTPS or plain HTTP on 127.0.0.1:0) that records every request exactly as it
 * arrived and serves the shapes the proxy must relay: JSON, SSE, slow heads, chunked streams, redirects,
 * and WebSocket sessions (ws-upstream.ts).
 */
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import { createTestPki, type TestPki } from "./pki.js";
import { serveWebSocket } from "./ws-upstream.js";

/** One request as the upstream received it. */
export interface RecordedRequest {
  readonly method: string;
  /** The request target, e.g. `/v1/chat?x=1`. */
  readonly url: string;
  /** Lower-case names; duplicates merged the way node:http merges them. */
  readonly headers: IncomingHttpHeaders;
  /** Name/value pairs exactly as received (original case, duplicates kept, in order). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** The TLS SNI the client sent; null for plain HTTP or no SNI. */
  readonly servername: string | null;
}

/** A running fake upstream. */
export interface PlainUpstream {
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Connections accepted so far (TLS handshakes completed, for HTTPS). */
  readonly connections: number;
  /** Stops listening and destroys every socket, keep-alive ones included. */
  close(): Promise<void>;
}

export interface Upstream extends PlainUpstream {
  /** The CA that issued the upstream's certificate (not Vault's CA). */
  readonly caPem: string;
}

export interface UpstreamOptions {
  /** Names on the certificate; default ["localhost", "api.example.test", "127.0.0.1"]. */
  readonly hosts?: string[];
  /** Reuse a PKI (e.g. one CA for several upstreams); default: a fresh one. */
  readonly pki?: TestPki;
}

/** `/big` bodies repeat bytes 0..250, so byte i is `i % 251` and truncation or reordering shows. */
export const BIG_BODY_PERIOD = 251;
const BIG_BLOCK = Buffer.from(
  Array.from({ length: BIG_BODY_PERIOD * 261 }, (_, i) => i % BIG_BODY_PERIOD),
);

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const pki = options.pki ?? createTestPki();
  const leaf = pki.issue(options.hosts ?? ["localhost", "api.example.test", "127.0.0.1"]);
  const requests: RecordedRequest[] = [];
  const server = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) =>
    record(req, res, requests),
  );
  const upstream = await listen(server, requests, "secureConnection");
  return Object.assign(upstream, { caPem: pki.caPem });
}

/** The same routes over plaintext HTTP, for `--allow-plaintext` routes and absolute-form requests. */
export async function startPlainUpstream(): Promise<PlainUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createHttpServer((req, res) => record(req, res, requests));
  return listen(server, requests, "connection");
}

async function listen(
  server: Server,
  requests: RecordedRequest[],
  countEvent: "connection" | "secureConnection",
): Promise<PlainUpstream> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on(countEvent, () => connections++);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    requests.push(recordOf(req, Buffer.alloc(0)));
    const raw = [...sockets].find((s) => s.remotePort === (socket as Socket).remotePort);
    serveWebSocket(req, socket, head, () => raw?.resetAndDestroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function record(req: IncomingMessage, res: ServerResponse, requests: RecordedRequest[]): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    requests.push(recordOf(req, Buffer.concat(chunks)));
    route(req, res);
  });
}

function recordOf(req: IncomingMessage, body: Buffer): RecordedRequest {
  const servername = (req.socket as Partial<TLSSocket>).servername;
  return {
    method: req.method ?? "",
    url: req.url ?? "",
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body,
    servername: typeof servername === "string" ? servername : null,
  };
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://upstream.invalid");
  const timers = new Set<NodeJS.Timeout>();
  res.on("close", () => timers.forEach(clearTimeout));
  const every = (ms: number, times: number, tick: (i: number) => void, done: () => void) => {
    const step = (i: number) => {
      if (i >= times) return done();
      timers.add(setTimeout(() => (tick(i), step(i + 1)), ms));
    };
    step(0);
  };
  const param = (name: string, fallback: number, max: number) => {
    const value = Number(url.searchParams.get(name) ?? fallback);
    return Number.isInteger(value) && value >= 0 ? Math.min(value, max) : fallback;
  };
  const status = /^\/status\/([1-5][0-9][0-9])$/.exec(url.pathname);

  if (url.pathname === "/echo-headers") return json(res, 200, req.headers);
  if (url.pathname === "/sse") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    const write = (i: number) => res.write(`id: ${i}\ndata: {"n":${i}}\n\n`);
    return every(param("ms", 50, 60_000), param("n", 5, 10_000), write, () => res.end());
  }
  if (url.pathname === "/slow-head") {
    return every(
      param("ms", 1000, 60_000),
      1,
      () => undefined,
      () => ok(res, url),
    );
  }
  if (url.pathname === "/stream") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.flushHeaders();
    const write = (i: number) => res.write(`chunk ${i}\n`);
    return every(param("ms", 50, 60_000), param("chunks", 3, 10_000), write, () => res.end());
  }
  if (url.pathname === "/big") return sendBig(res, param("bytes", 1 << 20, 1 << 30));
  if (status) return sendStatus(res, Number(status[1]));
  ok(res, url);
}

/** The default answer; carries only the path, never headers or query (they may hold credentials). */
function ok(res: ServerResponse, url: URL): void {
  json(res, 200, { ok: true, path: url.pathname });
}

function sendStatus(res: ServerResponse, code: number): void {
  if (code < 200) return json(res, 400, { ok: false, error: "1xx is not a final status" });
  if (code >= 300 && code < 400 && code !== 304) res.setHeader("location", "/redirected");
  if (code === 204 || code === 304) return void res.writeHead(code).end();
  json(res, code, { ok: code < 400, status: code });
}

function sendBig(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes });
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      const chunk = BIG_BLOCK.subarray(0, Math.min(BIG_BLOCK.length, bytes - sent));
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
