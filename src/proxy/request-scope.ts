/**
 * Where a request came from. A leaf type module so the pipeline and the proxy modules it calls
 * (target, upstream-target, stream-response) can share it without importing each other.
 */
import type { Agent } from "../agents.js";

/** Where a request came from: the tunnel's authority and agent, or an absolute-form http URL. */
export interface RequestScope {
  scheme: "https" | "http";
  host: string;
  port: number;
  agent: Agent;
}

/** The request's authority as it appears in Host: the port only when not the scheme's default. */
export function authority(scope: RequestScope): string {
  const defaultPort = scope.scheme === "https" ? 443 : 80;
  const host = scope.host.includes(":") ? `[${scope.host}]` : scope.host;
  return scope.port === defaultPort ? host : `${host}:${scope.port}`;
}
