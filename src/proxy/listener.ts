/**
 * The proxy listener: CONNECT tunnels, absolute-form `http://` requests (each authenticated on its
 * own), WebSocket handshakes in either, `GET /healthz`, and a refusal for everything else. An absolute-form `https://` request is
 * refused: it would ask Vault to downgrade the agent's TLS to plaintext on the first leg.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { SigilError } from "../errors.js";
import type { Agent } from "../agents.js";
import { handleRequest } from "../pipeline.js";
import type { RequestScope } from "./request-scope.js";
import { parseAuthority } from "../routing/host.js";
import { recordDeny } from "./refuse.js";
import { sendError, writeRawError } from "./respond.js";
import type { Runtime } from "./runtime.js";
import { clientErrorToSigil, serverLimits } from "./server-limits.js";
import { handleConnect, type TunnelRegistry } from "./tunnel.js";
import { handleUpgrade, isWebSocketUpgrade } from "./websocket.js";
import type { SessionRegistry } from "./websocket-session.js";
import { createTunnelQuota } from "./tunnel-quota.js";
import { createNoRouteServer } from "./no-route-server.js";
import { createPreconnectBudget } from "./preconnect.js";

export interface ProxyServers {
  outer: Server;
  inner: Server;
  registry: TunnelRegistry;
  /** Open WebSocket sessions; shutdown closes them. */
  sessions: SessionRegistry;
}

export function createProxyServers(rt: Runtime): ProxyServers {
  const limits = serverLimits(rt.state.config.proxy);
  const inner = createServer(limits);
  // Node keeps only the first ~1000 header lines by default and drops the rest silently, which
  // would hide a second Host or attestation header; the 32 KiB size limit bounds the count.
  inner.maxHeadersCount = 0;
  const sessions: SessionRegistry = new Set();
  // The inner server never listens (tunnels are handed to it), and Node only starts the periodic
  // head-timeout check on "listening": without this, a tunnel could dribble a head forever.
  inner.emit("listening");
  const scopes = new WeakMap<object, RequestScope>();
  const noRoute = createNoRouteServer(rt, limits, scopes, (err, socket) =>
    onClientError(rt, err, socket, scopes.get(socket)?.host),
  );
  const registry: TunnelRegistry = {
    scopes,
    open: new Set(),
    quota: createTunnelQuota(),
    preconnects: createPreconnectBudget(),
    emitConnection: (tls, routed) => (routed ? inner : noRoute).emit("connection", tls),
  };
  inner.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const scope = registry.scopes.get(req.socket);
    if (!scope) {
      res.destroy();
      return;
    }
    void handleRequest(rt, scope, req, res);
  });
  inner.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) =>
    onClientError(rt, err, socket, registry.scopes.get(socket)?.host),
  );
  inner.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const scope = registry.scopes.get(req.socket);
    if (scope && isWebSocketUpgrade(req)) {
      void handleUpgrade(rt, scope, req, socket, head, sessions);
    } else {
      void refuseUpgrade(rt, socket, scope?.host);
    }
  });
  inner.on("connect", (req: IncomingMessage, socket: Duplex) => {
    const scope = registry.scopes.get(req.socket);
    void refuseNested(rt, socket, scope?.host);
  });

  const outer = createServer(limits);
  outer.maxHeadersCount = 0;
  outer.once("close", () => noRoute.close());
  outer.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    void handleConnect(rt, registry, req, socket, head);
  });
  outer.on(
    "request",
    (req: IncomingMessage, res: ServerResponse) => void onPlainRequest(rt, req, res),
  );
  outer.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) =>
    onClientError(rt, err, socket, undefined),
  );
  outer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!isWebSocketUpgrade(req)) return void refuseUpgrade(rt, socket, undefined);
    const requestId = randomUUID();
    const found = plainScope(rt, req);
    if ("scope" in found) return void handleUpgrade(rt, found.scope, req, socket, head, sessions);
    void recordDeny(rt, found.err, { requestId, method: req.method ?? "", ...found.extra }).then(
      () => writeRawError(socket, found.err, requestId),
    );
  });
  return { outer, inner, registry, sessions };
}

async function onPlainRequest(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? "";
  if (url === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : '{"status":"ok"}');
    return;
  }
  const found = plainScope(rt, req);
  if ("scope" in found) return handleRequest(rt, found.scope, req, res);
  const requestId = randomUUID();
  await recordDeny(rt, found.err, { requestId, method: req.method ?? "", ...found.extra });
  sendError(res, found.err, requestId);
}

/** The scope of an absolute-form `http://` request (or `ws://` handshake), or why it has none. */
function plainScope(
  rt: Runtime,
  req: IncomingMessage,
): { scope: RequestScope } | { err: SigilError; extra: { agent?: Agent } } {
  const m = /^http:\/\/([^/?#]+)/i.exec(req.url ?? "");
  if (!m) {
    const https = /^https:\/\//i.test(req.url ?? "");
    const reason = https
      ? "absolute-form https:// requests are refused; use CONNECT (no TLS downgrade)"
      : "not a proxy request; use CONNECT or an absolute http:// URL";
    return { err: new SigilError("ERR_BAD_REQUEST", reason), extra: {} };
  }
  const agent = rt.state.config.agents.authenticate(req.headers["proxy-authorization"]);
  if (!agent) {
    const err = new SigilError("ERR_AGENT_UNAUTHENTICATED", "missing or unknown agent token");
    return { err, extra: {} };
  }
  try {
    const { host, port } = parseAuthority(m[1] as string, 80);
    return { scope: { scheme: "http", host, port, agent } };
  } catch {
    return {
      err: new SigilError("ERR_BAD_REQUEST", "invalid host in request URL"),
      extra: { agent },
    };
  }
}

function onClientError(
  rt: Runtime,
  err: NodeJS.ErrnoException,
  socket: Duplex,
  host: string | undefined,
): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const sigil = clientErrorToSigil(err);
  void recordDeny(rt, sigil, { requestId, ...(host ? { host } : {}) }).then(() =>
    writeRawError(socket, sigil, requestId),
  );
}

async function refuseNested(rt: Runtime, socket: Duplex, host: string | undefined): Promise<void> {
  const requestId = randomUUID();
  const err = new SigilError("ERR_BAD_REQUEST", "CONNECT inside a tunnel is refused");
  await recordDeny(rt, err, { requestId, method: "CONNECT", ...(host ? { host } : {}) });
  writeRawError(socket, err, requestId);
}

async function refuseUpgrade(rt: Runtime, socket: Duplex, host: string | undefined): Promise<void> {
  const requestId = randomUUID();
  const err = new SigilError(
    "ERR_BAD_REQUEST",
    "only WebSocket upgrades (GET with Upgrade: websocket) are supported",
  );
  await recordDeny(rt, err, { requestId, ...(host ? { host } : {}) });
  writeRawError(socket, err, requestId);
}
