/**
 * One route compiled for matching: its patterns parsed once, an ordering by specificity, and the
 * test for two routes that no ordering could separate (refused when config loads, spec §6).
 */
import { SigilError } from "../errors.js";
import { type HostPattern, parseHostPattern } from "./host.js";
import { portsOverlap } from "./host-match.js";
import { comparePathSpecificity } from "./path-match.js";
import { type PathPattern, parsePathPattern } from "./path.js";

/** What routing needs from a route; real route configs carry more fields. */
export interface RouteSpec {
  id: string;
  agentId: string;
  /** Host pattern, see parseHostPattern. */
  host: string;
  /** Path pattern, see parsePathPattern. */
  path: string;
  /** HTTP methods (case-insensitive in config, upper-cased); undefined means all methods. */
  methods?: readonly string[];
  /** Allows the route's credential over plain http (internal services only). */
  allowPlaintext?: boolean;
}

/** A route with its patterns compiled. */
export interface CompiledRoute<T extends RouteSpec> {
  spec: T;
  host: HostPattern;
  path: PathPattern;
  /** Upper-case method names, or null for all methods. */
  methods: ReadonlySet<string> | null;
}

// RFC 9110 §5.6.2 token.
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function parseMethods(methods: readonly string[] | undefined): ReadonlySet<string> | null {
  if (methods === undefined) return null;
  if (methods.length === 0) {
    throw new SigilError("ERR_USAGE", "methods must list at least one method, or be omitted");
  }
  for (const method of methods) {
    if (!METHOD.test(method)) {
      throw new SigilError("ERR_USAGE", `invalid HTTP method ${JSON.stringify(method)}`);
    }
  }
  return new Set(methods.map((m) => m.toUpperCase()));
}

/** Compiles one route; errors keep their code and name the route. */
export function compileRoute<T extends RouteSpec>(spec: T): CompiledRoute<T> {
  try {
    return {
      spec,
      host: parseHostPattern(spec.host),
      path: parsePathPattern(spec.path),
      methods: parseMethods(spec.methods),
    };
  } catch (err) {
    if (!(err instanceof SigilError)) throw err;
    throw new SigilError(err.code, `route ${JSON.stringify(spec.id)}: ${err.reason}`);
  }
}

/**
 * Orders routes of one index bucket (one exact host, or all wildcards), most specific first
 * (negative: `a` first): longer wildcard suffix, then path specificity, then explicit methods over
 * all methods. Exact hosts beat wildcards by the index itself: their bucket is searched first.
 */
export function compareRoutes<T extends RouteSpec>(
  a: CompiledRoute<T>,
  b: CompiledRoute<T>,
): number {
  const labels = (r: CompiledRoute<T>): number => r.host.host.split(".").length;
  if (a.host.kind === "wildcard" && labels(a) !== labels(b)) return labels(b) - labels(a);
  const path = comparePathSpecificity(a.path, b.path);
  if (path !== 0) return path;
  if ((a.methods === null) !== (b.methods === null)) return a.methods === null ? 1 : -1;
  return 0;
}

/**
 * True when some request could match both routes and neither is more specific: same host pattern
 * with overlapping ports, same path pattern, and methods both omitted or sharing one.
 */
export function routesConflict<T extends RouteSpec>(
  a: CompiledRoute<T>,
  b: CompiledRoute<T>,
): boolean {
  if (a.host.kind !== b.host.kind || a.host.host !== b.host.host) return false;
  if (!portsOverlap(a.host, b.host) || a.path.source !== b.path.source) return false;
  if (a.methods === null || b.methods === null) return a.methods === b.methods;
  const other = b.methods;
  return [...a.methods].some((m) => other.has(m));
}
