/**
 * Request-time host matching for compiled host patterns (spec §6): plain string comparison on
 * already-normalised hosts, with an exact host, or a `*.` wildcard over one or more labels.
 */
import type { HostPattern } from "./host.js";

/** Request scheme: "https" inside a CONNECT tunnel, "http" for absolute-form plain requests. */
export type Scheme = "https" | "http";

/** The port a pattern without an explicit port stands for. */
export function defaultPort(scheme: Scheme): number {
  return scheme === "https" ? 443 : 80;
}

/** Host part only. A wildcard needs a label before its suffix: the apex never matches. */
export function hostMatches(pattern: HostPattern, host: string): boolean {
  if (pattern.kind === "exact") return host === pattern.host;
  const cut = host.length - pattern.host.length - 1;
  return cut > 0 && host.endsWith(pattern.host) && host.charCodeAt(cut) === 0x2e;
}

/** Port part only, for a request of the given scheme. */
export function portMatches(pattern: HostPattern, port: number, scheme: Scheme): boolean {
  return port === (pattern.port ?? defaultPort(scheme));
}

/** True when some request could match both patterns' ports (null stands for 443 and 80). */
export function portsOverlap(a: HostPattern, b: HostPattern): boolean {
  const ports = (p: HostPattern): number[] =>
    p.port === null ? [defaultPort("https"), defaultPort("http")] : [p.port];
  return ports(a).some((port) => ports(b).includes(port));
}
