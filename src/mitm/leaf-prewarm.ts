/**
 * Leaves minted ahead of time for the exact host names of configured routes, so the first request
 * to a known upstream does not wait for a key pair, a certificate signature and a SecureContext
 * (about 1.5 ms) inside its TLS handshake. Runs after start and after each reload, one host per
 * event-loop turn so requests in flight interleave with it. Wildcard routes cannot be known ahead.
 */
import { parseHostPattern } from "../routing/host.js";
import type { LeafCache } from "./leaf-cache.js";

/** Hosts minted ahead at most, well inside the leaf cache's default capacity (1,000). */
export const MAX_HOSTS_AHEAD = 256;

/** The distinct exact (non-wildcard) hosts of `routes`, in config order. */
export function exactRouteHosts(routes: readonly { host: string }[]): string[] {
  const hosts = new Set<string>();
  for (const r of routes) {
    try {
      const pattern = parseHostPattern(r.host);
      if (pattern.kind === "exact") hosts.add(pattern.host);
    } catch {
      // Compile already refused bad patterns; minting ahead must never fail a start or reload.
    }
  }
  return [...hosts].slice(0, MAX_HOSTS_AHEAD);
}

/** Mints (or refreshes) a leaf for each exact route host, one per `schedule` turn. */
export function mintLeavesAhead(
  leaves: LeafCache,
  routes: readonly { host: string }[],
  schedule: (next: () => void) => void = (next) => void setImmediate(next),
): void {
  const hosts = exactRouteHosts(routes);
  const step = (i: number) => {
    if (i >= hosts.length) return;
    try {
      leaves.secureContext(hosts[i]!); // a cached, fresh leaf is a hit and costs nothing
    } catch {
      // A name a certificate cannot carry is refused at handshake time anyway.
    }
    schedule(() => step(i + 1));
  };
  schedule(() => step(0));
}
