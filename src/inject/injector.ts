/**
 * How a released credential is put on the outbound request (spec §6). Injectors are compiled once
 * from the route's `--inject` spec when config loads; `apply` runs per request and only edits the
 * outbound request description, never the agent's original.
 */
import type { Credential } from "../backends/backend.js";

/** The outbound request as the forwarder will send it. Header names are lower-case. */
export interface OutboundRequest {
  method: string;
  /** Path plus query, as sent on the request line. */
  path: string;
  /** The Host header the upstream will receive ("api.example.com", "h:8443"); set by the forwarder. */
  host: string;
  headers: Record<string, string | string[]>;
  /** The whole request body, present when the route buffered it (binding or `needsBody`). */
  body?: Buffer;
  /**
   * A client certificate for the upstream TLS connection (mtls). A request carrying one always gets
   * a connection of its own, never a pooled one.
   */
  tls?: { cert: Buffer; key: Buffer };
  /**
   * Values an injector derived from the credential and put on the wire for this request only (a
   * SigV4 signature): the response is masked for them like for the credential itself.
   */
  derivedSecrets?: Buffer[];
}

export interface Injector {
  /** The spec it was compiled from, for audit records and `routes list`. */
  readonly spec: string;
  /** Credential fields this injector needs; checked against the fetched credential. */
  readonly requiredFields: readonly string[];
  /** The header `apply` sets, for header injectors; the agent's own value is stripped first. */
  readonly headerName?: string;
  /** True when `apply` needs `req.body` (e.g. a signature over the payload). */
  readonly needsBody?: boolean;
  /**
   * True for an agent-sent header this injector signs as it is (aws-sigv4: `x-amz-*` headers it
   * does not replace). On a route with binding, the intent must pin each such header
   * (`metadata.headers`), or the agent could choose what the signature authorises.
   */
  readonly signsHeader?: (name: string, value: string | readonly string[]) => boolean;
  apply(req: OutboundRequest, cred: Credential): void;
}
