/**
 * Where a request for a scope goes: the name TLS verifies against, the `--resolve` override for the
 * connection, and the route's extra trust. One place, so plain requests and WebSocket handshakes
 * cannot drift apart on trust.
 */
import type { CompiledRoute } from "../config/compile.js";
import type { UpstreamTarget } from "../forward.js";
import type { RequestScope } from "./request-scope.js";
import type { RuntimeState } from "./runtime.js";

export function upstreamTarget(
  state: RuntimeState,
  scope: RequestScope,
  route: CompiledRoute,
): UpstreamTarget {
  const override = state.config.proxy.resolve.get(`${scope.host}:${scope.port}`);
  return {
    scheme: scope.scheme,
    host: scope.host,
    port: scope.port,
    connectHost: override?.host ?? scope.host,
    connectPort: override?.port ?? scope.port,
    ...(route.upstreamCa
      ? { secureContext: route.upstreamCa.context, caPems: [route.upstreamCa.pem] }
      : {}),
  };
}
