/**
 * The proxy listener: CONNECT tunnels, absolute-form `http://` requests (each authenticated on its
 * own), `GET /healthz`, and a refusal for everything else. An absolute-form `https://` request is
 * refused: it would ask Vault to downgrade the agent's TLS to plaintext on the first leg.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { SigilError } from "../errors.js";
import { handleRequest } from "../pipeline.js";
import { parseAuthority } from "../routing/host.js";
import { recordDeny } from "./refuse.js";
import { sendError, writeRawError } from "./respond.js";
import type { Runtime } from "./runtime.js";
import { clientErrorToSigil, serverLimits } from "./server-limits.js";
import { handleConnect, type TunnelRegistry } from "./tunnel.js";
import { createTunnelQuota } from "./tunnel-quota.js";

export interface ProxyServers {
  outer: Server;
  inner: Server;
  registry: TunnelRegistry;
}

export function createProxyServers(rt: Runtime): ProxyServers {
  const limits = serverLimits(rt.state.config.proxy);
  const inner = createServer(limits);
  // Node keeps only the first ~1000 header lines by default and drops the rest silently, which
  // would hide a second Host or attestation header; the 32 KiB size limit bounds the count.
  inner.maxHeadersCount = 0;
  // The inner server never listens (tunnels are handed to it), and Node only starts the periodic
  // head-timeout check on "listening": without this, a tunnel could dribble a head forever.
  inner.emit("listening");
  const registry: TunnelRegistry = {
    scopes: new WeakMap(),
    open: new Set(),
    quota: createTunnelQuota(),
    emitConnection: (tls) => inner.emit("connection", tls),
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
  inner.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    const scope = registry.scopes.get(req.socket);
    void refuseUpgrade(rt, socket, scope?.host);
  });
  inner.on("connect", (req: IncomingMessage, socket: Duplex) => {
    const scope = registry.scopes.get(req.socket);
    void refuseNested(rt, socket, scope?.host);
  });

  const outer = createServer(limits);
  outer.maxHeadersCount = 0;
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
  outer.on(
    "upgrade",
    (_req: IncomingMessage, socket: Duplex) => void refuseUpgrade(rt, socket, undefined),
  );
  return { outer, inner, registry };
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
  const requestId = randomUUID();
  const refuse = async (
    err: SigilError,
    extra: { host?: string; agent?: import("../agents.js").Agent } = {},
  ) => {
    await recordDeny(rt, err, { requestId, method: req.method ?? "", ...extra });
    sendError(res, err, requestId);
  };
  const m = /^http:\/\/([^/?#]+)/i.exec(url);
  if (!m) {
    const https = /^https:\/\//i.test(url);
    return refuse(
      new SigilError(
        "ERR_BAD_REQUEST",
        https
          ? "absolute-form https:// requests are refused; use CONNECT (no TLS downgrade)"
          : "not a proxy request; use CONNECT or an absolute http:// URL",
      ),
    );
  }
  const agent = rt.state.config.agents.authenticate(req.headers["proxy-authorization"]);
  if (!agent) {
    return refuse(new SigilError("ERR_AGENT_UNAUTHENTICATED", "missing or unknown agent token"));
  }
  let host: string;
  let port: number;
  try {
    ({ host, port } = parseAuthority(m[1] as string, 80));
  } catch {
    return refuse(new SigilError("ERR_BAD_REQUEST", "invalid host in request URL"), { agent });
  }
  await handleRequest(rt, { scheme: "http", host, port, agent }, req, res);
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
    "protocol upgrades (WebSocket) are not supported yet",
  );
  await recordDeny(rt, err, { requestId, ...(host ? { host } : {}) });
  writeRawError(socket, err, requestId);
}
