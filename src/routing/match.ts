/**
 * The route table (spec §6): compiled once per config, indexed by agent then exact host, and
 * asked per request which route applies and, if none, why. Nothing here parses on the request path.
 */
import { SigilError } from "../errors.js";
import {
  compareRoutes,
  compileRoute,
  type CompiledRoute,
  type RouteSpec,
  routesConflict,
} from "./compiled-route.js";
import { hostMatches, portMatches, type Scheme } from "./host-match.js";
import { pathMatches } from "./path-match.js";

export type { RouteSpec } from "./compiled-route.js";
export type { Scheme } from "./host-match.js";

/** A request as routing sees it; host and path must already be normalised. */
export interface RouteRequest {
  scheme: Scheme;
  /** From normalizeHost / parseAuthority. */
  host: string;
  port: number;
  /** From normalizePath (without the query). */
  path: string;
  method: string;
}

/**
 * The decision: a route, or a short reason (ERR_NO_ROUTE). `plaintext` marks a plain-http request
 * whose matching route is https-only (answer ERR_PLAINTEXT_REFUSED).
 */
export type RouteMatch<T> =
  { ok: true; route: T } | { ok: false; reason: string; plaintext?: true };

/** Compiled routes of every agent. */
export interface RouteTable<T extends RouteSpec> {
  /** The most specific route of this agent for the request, or why there is none. */
  match(agentId: string, req: RouteRequest): RouteMatch<T>;
  /** True when a route of this agent could match an https request to host:port (CONNECT). */
  coversHost(agentId: string, host: string, port: number): boolean;
  /** The routes of this agent that could match an https request to host:port, most specific first. */
  hostRoutes(agentId: string, host: string, port: number): T[];
}

interface AgentRoutes<T extends RouteSpec> {
  /** Exact-host routes by host, most specific first. */
  exact: Map<string, CompiledRoute<T>[]>;
  /** Wildcard routes, most specific first. */
  wildcard: CompiledRoute<T>[];
}

// Furthest stage a request got to, so the reason names what failed.
const REASONS = [
  "no route for this agent and host",
  "no route for this agent and host on this port",
  "path not covered by any route for this host",
  "method not allowed by the matching route",
] as const;

function checkConflicts<T extends RouteSpec>(routes: readonly CompiledRoute<T>[]): void {
  for (let i = 0; i < routes.length; i++) {
    for (let j = i + 1; j < routes.length; j++) {
      const [a, b] = [routes[i]!, routes[j]!];
      if (routesConflict(a, b)) {
        throw new SigilError(
          "ERR_CONFLICT",
          `routes ${JSON.stringify(a.spec.id)} and ${JSON.stringify(b.spec.id)} are equally ` +
            "specific for the same agent, host, path and methods",
        );
      }
    }
  }
}

function index<T extends RouteSpec>(routes: readonly T[]): Map<string, AgentRoutes<T>> {
  const ids = new Set<string>();
  const byAgent = new Map<string, AgentRoutes<T>>();
  for (const spec of routes) {
    if (ids.has(spec.id)) {
      throw new SigilError("ERR_CONFLICT", `route id ${JSON.stringify(spec.id)} is used twice`);
    }
    ids.add(spec.id);
    const route = compileRoute(spec);
    let agent = byAgent.get(spec.agentId);
    if (agent === undefined)
      byAgent.set(spec.agentId, (agent = { exact: new Map(), wildcard: [] }));
    if (route.host.kind === "wildcard") agent.wildcard.push(route);
    else {
      const list = agent.exact.get(route.host.host);
      if (list === undefined) agent.exact.set(route.host.host, [route]);
      else list.push(route);
    }
  }
  for (const agent of byAgent.values()) {
    for (const list of [...agent.exact.values(), agent.wildcard]) {
      list.sort(compareRoutes);
      checkConflicts(list);
    }
  }
  return byAgent;
}

/**
 * Compiles and indexes routes. Throws ERR_USAGE (naming the route) for a bad pattern or method and
 * ERR_CONFLICT naming both ids when two routes of one agent could never be told apart.
 */
export function compileRoutes<T extends RouteSpec>(routes: readonly T[]): RouteTable<T> {
  const byAgent = index(routes);
  const none: readonly CompiledRoute<T>[] = [];

  function match(agentId: string, req: RouteRequest): RouteMatch<T> {
    const agent = byAgent.get(agentId);
    if (agent === undefined) return { ok: false, reason: REASONS[0] };
    const segments = req.path.slice(1).split("/");
    let stage = 0;
    // Exact hosts always beat wildcards, so the exact list is tried first.
    for (const list of [agent.exact.get(req.host) ?? none, agent.wildcard]) {
      for (const route of list) {
        if (!hostMatches(route.host, req.host)) continue;
        if (!portMatches(route.host, req.port, req.scheme)) stage = Math.max(stage, 1);
        else if (!pathMatches(route.path, segments)) stage = Math.max(stage, 2);
        else if (route.methods !== null && !route.methods.has(req.method)) stage = 3;
        else if (req.scheme === "http" && route.spec.allowPlaintext !== true) {
          return {
            ok: false,
            reason: "the matching route requires HTTPS; plain http is refused",
            plaintext: true,
          };
        } else return { ok: true, route: route.spec };
      }
    }
    return { ok: false, reason: REASONS[stage] ?? REASONS[0] };
  }

  function coversHost(agentId: string, host: string, port: number): boolean {
    const agent = byAgent.get(agentId);
    if (agent === undefined) return false;
    const covers = (r: CompiledRoute<T>): boolean =>
      hostMatches(r.host, host) && portMatches(r.host, port, "https");
    return (agent.exact.get(host) ?? none).some(covers) || agent.wildcard.some(covers);
  }

  function hostRoutes(agentId: string, host: string, port: number): T[] {
    const agent = byAgent.get(agentId);
    if (agent === undefined) return [];
    return [...(agent.exact.get(host) ?? none), ...agent.wildcard]
      .filter((r) => hostMatches(r.host, host) && portMatches(r.host, port, "https"))
      .map((r) => r.spec);
  }

  return { match, coversHost, hostRoutes };
}
