/**
 * No agent-sent credential goes upstream on a routed request (issue 11): SDKs send their own
 * (placeholder) key — `@anthropic-ai/sdk` an `Authorization: Bearer …` next to the `x-api-key` a
 * route injects — and the upstream would receive both. Before the injector runs, the common API
 * key headers and the header the route injects are removed, except those the route keeps
 * (`--keep-header`, for an API that needs an agent-side header of one of these names).
 */
import type { Injector } from "./injector.js";

/** Header names SDKs put API keys in; always stripped unless the route keeps them. */
export const AGENT_CREDENTIAL_HEADERS: readonly string[] = [
  "authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
];

/** What stripping needs to know about a route. */
export interface StripPolicy {
  injector: Pick<Injector, "headerName">;
  /** Lower-case header names the route lets through (`keep_headers`). */
  keepHeaders?: readonly string[];
}

/** Removes agent-sent credential headers from the (lower-cased) outbound headers, in place. */
export function stripAgentCredentials(
  headers: Record<string, string | string[]>,
  route: StripPolicy,
): void {
  const keep = route.keepHeaders ?? [];
  for (const name of AGENT_CREDENTIAL_HEADERS) {
    if (!keep.includes(name)) delete headers[name];
  }
  const injected = route.injector.headerName;
  if (injected !== undefined) delete headers[injected];
}
