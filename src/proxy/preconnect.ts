/**
 * Which accepted CONNECTs open their upstream connection ahead of the first request (first
 * contact, issue #12; the socket side is upstream-warm.ts). Only what the request path would do
 * anyway, earlier: a TCP + TLS handshake to the upstream a route of this agent covers, resolved
 * and verified exactly as that route's requests are, into this agent's pool. No byte of HTTP, no
 * credential: the connection carries a request only once one has passed every check and its
 * `release` is durable.
 *
 * What an agent can make the proxy dial this way is bounded. Only an authenticated CONNECT that
 * passed the tunnel quota, to a host:port one of its https routes covers, gets one; none when the
 * agent's request bucket is empty (its requests would be refused anyway), and each takes a token
 * from a second bucket with the agent's own `proxy.rate_limit` rule, so pre-connects per second
 * never exceed the requests per second the agent may send. At most MAX_WARM_PER_AGENT wait unused
 * at a time: a pool that opens its tunnels together (a few to ten sockets in common SDKs) is
 * covered, while a CONNECT flood — routed CONNECTs take no request token — dials at most that many
 * connections at once, each closed with its tunnel or after the pool's 4 s idle time.
 */
import type { Socket } from "node:net";
import { isIP } from "node:net";
import type { Agent } from "../agents.js";
import type { CompiledRoute } from "../config/compile.js";
import { createRateLimiter, type RateLimiter } from "./rate-limit.js";
import type { Runtime } from "./runtime.js";
import { createTunnelQuota, type TunnelQuota } from "./tunnel-quota.js";
import { upstreamTarget } from "./upstream-target.js";

/** Unused pre-connected upstream connections one agent may hold at once. */
export const MAX_WARM_PER_AGENT = 8;

/** Per-agent accounting of pre-connects: how many wait unused, and a rate bucket. */
export interface PreconnectBudget {
  readonly waiting: TunnelQuota;
  readonly rate: RateLimiter;
}

export function createPreconnectBudget(): PreconnectBudget {
  return { waiting: createTunnelQuota(), rate: createRateLimiter() };
}

/**
 * Starts the upstream connection for an accepted, routed tunnel when that is unambiguous and
 * within budget; the connection is closed with `tunnel` if no request took it by then.
 */
export function preconnect(
  rt: Runtime,
  budget: PreconnectBudget,
  agent: Agent,
  host: string,
  port: number,
  tunnel: Socket,
): void {
  if (rt.stopping || tunnel.destroyed || host.startsWith("[") || isIP(host) !== 0) return;
  const route = pooledRoute(rt.state.config.routes.hostRoutes(agent.id, host, port));
  if (!route) return;
  const rule = rt.state.config.proxy.rateLimit;
  const now = performance.now();
  if (!rt.rateLimiter.has(agent.id, now, rule)) return;
  const release = budget.waiting.acquire(agent.id, MAX_WARM_PER_AGENT);
  if (!release) return;
  if (!budget.rate.take(agent.id, now, rule)) return release();
  const target = upstreamTarget(rt.state, { scheme: "https", host, port, agent }, route);
  const cancel = rt.upstream.preconnect(target, agent.id, release);
  if (!cancel) return release();
  tunnel.once("close", cancel);
}

/**
 * The route to take the upstream's trust from, when every route that could match this host's
 * requests would use the same pooled connection: none is `mtls` (a client certificate per release,
 * on a connection of its own) and all share one upstream trust context. Otherwise none.
 */
function pooledRoute(routes: readonly CompiledRoute[]): CompiledRoute | undefined {
  const first = routes[0];
  if (!first) return undefined;
  const context = first.upstreamCa?.context;
  const pooled = (r: CompiledRoute) =>
    r.injector.spec !== "mtls" && r.upstreamCa?.context === context;
  return routes.every(pooled) ? first : undefined;
}
