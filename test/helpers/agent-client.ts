/**
 * What an agent does on the wire: a raw CONNECT (so refusals before TLS can be read byte for byte),
 * TLS to the proxy's MITM leaf trusting only the Vault CA, then HTTP/1.1 inside the tunnel — one
 * request, several on one kept-alive tunnel, or arbitrary bytes for malformed-HTTP tests.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

/** Where the tunnel goes and who asks for it. */
export interface TunnelOptions {
  proxyPort: number;
  /** Sent as `Proxy-Authorization: Basic base64("x:" + token)`. */
  token?: string;
  /** Exact `Proxy-Authorization` value; wins over `token`. */
  authHeader?: string;
  /** CONNECT host, TLS server name and default inner Host. */
  host: string;
  /** Default 443. */
  port?: number;
  /** The Vault CA the agent trusts (PEM). */
  ca: string;
  /** Per-exchange bound; default 10 s. */
  timeoutMs?: number;
}

/** One HTTP request inside a tunnel. */
export interface InnerRequest {
  method?: string;
  path?: string;
  /** Extra headers; a `host` here replaces the default inner Host. */
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Called with each body chunk as it arrives (streaming tests). */
  onData?: (chunk: Buffer) => void;
  /** Called when the response head arrives, before any body chunk. */
  onHead?: () => void;
}

export type AgentRequestOptions = TunnelOptions & InnerRequest;

/** What the agent saw. When CONNECT was refused, status/headers/body are the CONNECT response. */
export interface AgentResponse {
  connectStatus: number;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A kept-alive tunnel carrying sequential requests. */
export interface KeepAliveTunnel {
  request(req: InnerRequest): Promise<AgentResponse>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Opens a tunnel, sends one request, closes the tunnel. */
export async function agentRequest(opts: AgentRequestOptions): Promise<AgentResponse> {
  const tunnel = await openTunnel(opts);
  if ("refused" in tunnel) return tunnel.refused;
  try {
    return await sendInTunnel(tunnel.tls, opts, opts);
  } finally {
    tunnel.tls.destroy();
  }
}

/** Opens one tunnel for several sequential requests (throws if CONNECT is refused). */
export async function openKeepAliveTunnel(opts: TunnelOptions): Promise<KeepAliveTunnel> {
  const tunnel = await openTunnel(opts);
  if ("refused" in tunnel) throw new Error(`CONNECT refused: ${tunnel.refused.status}`);
  return {
    request: (req) => sendInTunnel(tunnel.tls, opts, req, true),
    close: () => tunnel.tls.destroy(),
  };
}

/**
 * Writes `raw` inside the TLS tunnel and parses the response that comes back. With `untilClose`
 * the body is every byte after the first head until the proxy closes (pipelined responses, raw).
 */
export async function agentRawRequest(
  opts: TunnelOptions & { raw: Buffer | string; untilClose?: boolean },
): Promise<AgentResponse> {
  const tunnel = await openTunnel(opts);
  if ("refused" in tunnel) return tunnel.refused;
  try {
    tunnel.tls.write(opts.raw);
    const mode = opts.untilClose ? "all" : "message";
    const res = await readResponse(tunnel.tls, mode, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return { connectStatus: 200, ...res };
  } finally {
    tunnel.tls.destroy();
  }
}

/** Writes `raw` straight to the proxy listener (absolute-form requests, /healthz). */
export async function proxyRawRequest(opts: {
  proxyPort: number;
  raw: Buffer | string;
  timeoutMs?: number;
}): Promise<AgentResponse> {
  const socket = await connectTcp(opts.proxyPort);
  try {
    socket.write(opts.raw);
    const res = await readResponse(socket, "message", opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return { connectStatus: 0, ...res };
  } finally {
    socket.destroy();
  }
}

/** `Basic base64("x:" + token)`, the form `HTTPS_PROXY=http://x:TOKEN@…` produces. */
export function basicAuth(token: string): string {
  return "Basic " + Buffer.from(`x:${token}`).toString("base64");
}

/** Opens a tunnel (CONNECT, then TLS trusting only `opts.ca`); a refused CONNECT is returned. */
export async function openTunnel(
  opts: TunnelOptions,
): Promise<{ tls: TLSSocket } | { refused: AgentResponse }> {
  const port = opts.port ?? 443;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const auth = opts.authHeader ?? (opts.token !== undefined ? basicAuth(opts.token) : undefined);
  const socket = await connectTcp(opts.proxyPort);
  let head = `CONNECT ${opts.host}:${port} HTTP/1.1\r\nHost: ${opts.host}:${port}\r\n`;
  if (auth !== undefined) head += `Proxy-Authorization: ${auth}\r\n`;
  socket.write(head + "\r\n");
  const res = await readResponse(socket, "head", timeoutMs).catch((err: unknown) => {
    socket.destroy();
    throw err;
  });
  if (res.status !== 200) {
    socket.destroy();
    return { refused: { connectStatus: res.status, ...res } };
  }
  const tls = tlsConnect({ socket, servername: opts.host, ca: opts.ca });
  tls.on("close", () => socket.destroy());
  tls.on("error", () => {}); // surfaced by the handshake or the request using the socket
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      tls.once("secureConnect", resolve);
      tls.once("error", reject);
    }),
    timeoutMs,
    "TLS handshake",
  ).catch((err: unknown) => {
    tls.destroy();
    throw err;
  });
  return { tls };
}

function sendInTunnel(
  tls: TLSSocket,
  tunnel: TunnelOptions,
  req: InnerRequest,
  keepAlive = false,
): Promise<AgentResponse> {
  const port = tunnel.port ?? 443;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headers: Record<string, string> = {
    host: port === 443 ? tunnel.host : `${tunnel.host}:${port}`,
    ...(keepAlive ? { connection: "keep-alive" } : {}),
    ...(body ? { "content-length": String(body.length) } : {}),
    ...req.headers,
  };
  const exchange = new Promise<AgentResponse>((resolve, reject) => {
    const out = httpRequest(
      { method: req.method ?? "GET", path: req.path ?? "/", headers, createConnection: () => tls },
      (res) => {
        req.onHead?.();
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          req.onData?.(chunk);
        });
        res.on("end", () =>
          resolve({
            connectStatus: 200,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
        res.on("aborted", () => reject(new Error("response aborted")));
      },
    );
    out.on("error", reject);
    out.end(body);
  });
  return withTimeout(exchange, tunnel.timeoutMs ?? DEFAULT_TIMEOUT_MS, "response");
}

/** Reads one complete response from a raw tunnel (sequential raw exchanges on one tunnel). */
export function readMessage(
  socket: Duplex,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Omit<AgentResponse, "connectStatus">> {
  return readResponse(socket, "message", timeoutMs);
}

export function connectTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.on("error", reject); // later errors surface through whoever reads the socket
  });
}

/**
 * Reads one HTTP/1.1 response. "head" stops after a 200 head (CONNECT); "message" reads the body
 * by Content-Length, chunked framing, or until the peer closes; "all" reads until the peer closes.
 */
function readResponse(socket: Duplex, mode: "head" | "message" | "all", timeoutMs: number) {
  const parsed = new Promise<Omit<AgentResponse, "connectStatus">>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let head: { status: number; headers: IncomingHttpHeaders; bodyStart: number } | undefined;
    const finish = (err?: Error) => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.off("error", onError);
      if (err) return reject(err);
      const rest = buf.subarray(head!.bodyStart);
      const body = mode === "all" ? rest : (framedBody(head!.headers, rest) ?? rest);
      resolve({ status: head!.status, headers: head!.headers, body });
    };
    const check = () => {
      if (!head) {
        const at = buf.indexOf("\r\n\r\n");
        if (at < 0) return;
        head = { ...parseHead(buf.subarray(0, at).toString("latin1")), bodyStart: at + 4 };
      }
      if (mode === "head" && head.status === 200) finish();
      else if (mode === "message" && framedBody(head.headers, buf.subarray(head.bodyStart)))
        finish();
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        check();
      } catch (err) {
        finish(err as Error);
      }
    };
    const onEnd = () => finish(head ? undefined : new Error("closed before a response head"));
    const onError = (err: Error) => (head ? finish() : finish(err));
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.on("error", onError);
  });
  return withTimeout(parsed, timeoutMs, "response head");
}

/** The body once complete by Content-Length or chunked framing; undefined until then. */
function framedBody(headers: IncomingHttpHeaders, rest: Buffer): Buffer | undefined {
  if (/chunked/i.test(String(headers["transfer-encoding"] ?? ""))) return dechunk(rest);
  const length = Number(headers["content-length"] ?? NaN);
  return rest.length >= length ? rest.subarray(0, length) : undefined;
}

/** Decodes a complete chunked body, or returns undefined while the last chunk has not arrived. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (Number.isNaN(size)) return data; // not chunked after all: hand it back raw
    if (size === 0) return data.indexOf("\r\n", eol + 2) < 0 ? undefined : Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export function parseHead(text: string): { status: number; headers: IncomingHttpHeaders } {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 40))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), headers };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
