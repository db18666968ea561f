/**
 * CONNECT handling (spec §3): authenticate the agent (no TLS for an unauthenticated peer), answer
 * 200, terminate TLS with a per-host leaf from the Vault CA and hand the decrypted stream to the
 * inner HTTP/1.1 server — or, for a host none of the agent's routes cover, to the no-route server,
 * which answers every request `403 ERR_NO_ROUTE` so the agent's SDK can show the code. Such a
 * tunnel forwards nothing (Vault is not an open egress proxy), and its leaf comes from a small
 * separate pool so arbitrary names cannot evict routed hosts' leaves.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { randomUUID } from "node:crypto";
import type { Agent } from "../agents.js";
import { SigilError } from "../errors.js";
import { parseAuthority } from "../routing/host.js";
import { preconnect, type PreconnectBudget } from "./preconnect.js";
import type { RequestScope } from "./request-scope.js";
import { recordDeny } from "./refuse.js";
import { writeRawError } from "./respond.js";
import type { Runtime } from "./runtime.js";
import type { TunnelQuota } from "./tunnel-quota.js";

const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TunnelRegistry {
  /** Tunnel scope for each decrypted socket, read by the inner server per request. */
  scopes: WeakMap<object, RequestScope>;
  open: Set<Socket>;
  /** Open tunnels per agent, capped by `proxy.max_tunnels_per_agent`. */
  quota: TunnelQuota;
  /** Upstream connections opened at CONNECT time, per agent (preconnect.ts). */
  preconnects: PreconnectBudget;
  /** Hands a decrypted tunnel to the pipeline's server, or to the no-route server. */
  emitConnection(tls: TLSSocket, routed: boolean): void;
}

export async function handleConnect(
  rt: Runtime,
  registry: TunnelRegistry,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): Promise<void> {
  const requestId = randomUUID();
  socket.on("error", () => socket.destroy());
  const agent = rt.state.config.agents.authenticate(req.headers["proxy-authorization"]);
  if (!agent) {
    return refuseRaw(
      rt,
      socket,
      requestId,
      undefined,
      "ERR_AGENT_UNAUTHENTICATED",
      "missing or unknown agent token",
      req.url,
    );
  }
  let host: string;
  let port: number;
  try {
    ({ host, port } = parseAuthority(req.url ?? ""));
  } catch {
    return refuseRaw(
      rt,
      socket,
      requestId,
      agent,
      "ERR_BAD_REQUEST",
      "CONNECT target must be host:port",
      undefined,
    );
  }
  const routed = rt.state.config.routes.coversHost(agent.id, host, port);
  // A tunnel to an unrouted host may mint a leaf for any name: each one takes a token from the
  // agent's request bucket, so a CONNECT loop over random names cannot burn the proxy's CPU.
  const rule = rt.state.config.proxy.rateLimit;
  if (!routed && !rt.rateLimiter.take(agent.id, performance.now(), rule)) {
    return refuseRaw(
      rt,
      socket,
      requestId,
      agent,
      "ERR_RATE_LIMITED",
      `this agent is over its request rate (proxy.rate_limit: ${rule.perSecond}/s, burst ${rule.burst})`,
      `${host}:${port}`,
    );
  }
  const max = rt.state.config.proxy.maxTunnelsPerAgent;
  const releaseSlot = registry.quota.acquire(agent.id, max);
  if (!releaseSlot) {
    return refuseRaw(
      rt,
      socket,
      requestId,
      agent,
      "ERR_TOO_MANY_TUNNELS",
      `this agent already has ${max} tunnels open (proxy.max_tunnels_per_agent)`,
      `${host}:${port}`,
    );
  }
  socket.once("close", releaseSlot);
  socket.setNoDelay(true);
  socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
  if (head.length > 0) socket.unshift(head);
  let context;
  try {
    context = rt.leaves.secureContext(host, routed ? "routed" : "unrouted");
  } catch {
    socket.destroy();
    return;
  }
  const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
  registry.open.add(socket);
  rt.observer.tunnelOpened();
  socket.once("close", () => {
    registry.open.delete(socket);
    rt.observer.tunnelClosed();
  });
  tls.on("error", () => tls.destroy());
  // A client that never completes the handshake must not hold a socket forever.
  socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
  registry.scopes.set(tls, { scheme: "https", host, port, agent });
  // The upstream's TCP + TLS handshake runs while the agent's does (after the leaf: a tunnel
  // without one dies here); its first request takes the connection after its release.
  if (routed) preconnect(rt, registry.preconnects, agent, host, port, socket);
  tls.once("secure", () => {
    socket.setTimeout(0);
    readThroughStream(tls);
    registry.emitConnection(tls, routed);
  });
}

/**
 * Node's HTTP server reads a socket with a native stream handle directly in C++ ("consume"). With
 * a TLS handle that loses bytes under pipelining: when the agent does not read its responses, the
 * server pauses llhttp, but TLS keeps handing over decrypted records, which the paused parser
 * drops — the next request is then parsed from the middle of another (seen with 20,000 pipelined
 * requests in one write). Marking the handle as consumed makes the server read through "data"
 * events, whose pause() is honoured.
 */
function readThroughStream(tls: TLSSocket): void {
  const handle = (tls as unknown as { _handle?: { _consumed?: boolean } })._handle;
  if (handle) handle._consumed = true;
}

async function refuseRaw(
  rt: Runtime,
  socket: Socket,
  requestId: string,
  agent: Agent | undefined,
  code:
    "ERR_AGENT_UNAUTHENTICATED" | "ERR_BAD_REQUEST" | "ERR_TOO_MANY_TUNNELS" | "ERR_RATE_LIMITED",
  reason: string,
  hostInfo: string | undefined,
): Promise<void> {
  const err = new SigilError(code, reason);
  await recordDeny(rt, err, {
    requestId,
    method: "CONNECT",
    ...(agent ? { agent } : {}),
    ...(hostInfo !== undefined ? { host: hostInfo.slice(0, 300) } : {}),
  });
  writeRawError(socket, err, requestId);
}
