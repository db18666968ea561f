/**
 * Sends the prepared request upstream over verified TLS (spec §3) and resolves at the response
 * head. Connections are pooled per trust context; there is deliberately no option to skip
 * certificate verification — a route that needs a private CA names it with `--upstream-ca`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import {
  checkServerIdentity,
  rootCertificates,
  type PeerCertificate,
  type SecureContext,
} from "node:tls";
import type { Readable } from "node:stream";
import { SigilError } from "./errors.js";
import type { OutboundRequest } from "./inject/injector.js";

export interface UpstreamTarget {
  scheme: "https" | "http";
  /** The name the agent asked for; TLS verifies against it. */
  host: string;
  port: number;
  /** Where to connect, after `--resolve` overrides. */
  connectHost: string;
  connectPort: number;
  /** Extra trust for this route (system roots + the route's CA); undefined = system roots. */
  secureContext?: SecureContext;
  /** The same extra trust as PEM, for connections that need their own context (mtls). */
  caPems?: readonly string[];
}

export interface UpstreamPool {
  request(
    target: UpstreamTarget,
    req: Pick<OutboundRequest, "method" | "path" | "host" | "headers" | "tls">,
    body: Readable | Buffer,
    signal: AbortSignal,
  ): Promise<IncomingMessage>;
  destroy(): void;
}

const AGENT_OPTS = {
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 64,
  scheduling: "lifo",
} as const;

export function createUpstreamPool(): UpstreamPool {
  const httpAgent = new HttpAgent(AGENT_OPTS);
  const httpsAgents = new Map<SecureContext | undefined, HttpsAgent>();

  function httpsAgentFor(ctx: SecureContext | undefined): HttpsAgent {
    let agent = httpsAgents.get(ctx);
    if (!agent) {
      agent = new HttpsAgent({ ...AGENT_OPTS, ...(ctx ? { secureContext: ctx } : {}) });
      httpsAgents.set(ctx, agent);
    }
    return agent;
  }

  return {
    request(target, req, body, signal) {
      return new Promise((resolve, reject) => {
        const headers = { ...req.headers, host: req.host };
        const common = {
          host: target.connectHost,
          port: target.connectPort,
          method: req.method,
          path: req.path,
          // Headers are set on the request, not passed as options: Node's agent keeps a pooled
          // socket's options (and so would keep the injected credential) for the socket's life.
          setHost: false,
          signal,
        };
        const out =
          target.scheme === "https"
            ? httpsRequest({
                ...common,
                // A client certificate makes the connection this release's own: never pooled.
                ...(req.tls
                  ? {
                      agent: false,
                      cert: req.tls.cert,
                      key: req.tls.key,
                      ...(target.caPems ? { ca: [...rootCertificates, ...target.caPems] } : {}),
                    }
                  : { agent: httpsAgentFor(target.secureContext) }),
                rejectUnauthorized: true,
                ...(isIP(target.host) ? {} : { servername: target.host }),
                checkServerIdentity: identityCheckFor(target.host),
              })
            : httpRequest({ ...common, agent: httpAgent });
        for (const [name, value] of Object.entries(headers)) out.setHeader(name, value);
        out.once("response", resolve);
        out.once("error", (err) => reject(upstreamError(err, signal)));
        if (Buffer.isBuffer(body)) out.end(body);
        else body.pipe(out);
      });
    },
    destroy() {
      httpAgent.destroy();
      for (const a of httpsAgents.values()) a.destroy();
    },
  };
}

/** Maps socket/TLS failures to ERR_UPSTREAM_FAILED with a reason that names the class, not data. */
function upstreamError(err: unknown, signal: AbortSignal): SigilError {
  if (signal.aborted && signal.reason instanceof SigilError) return signal.reason;
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const reason = TLS_CODES.has(code)
    ? `upstream TLS verification failed (${code})`
    : code
      ? `upstream connection failed (${code})`
      : "upstream connection failed";
  return new SigilError("ERR_UPSTREAM_FAILED", reason);
}

const TLS_CODES = new Set([
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
]);

/**
 * Built outside the request's scope on purpose: a pooled socket keeps this closure (in its TLS
 * options) for its whole life, and a closure made inside `request` would keep that request's
 * headers, and so its injected credential, reachable with it (found by the heap-snapshot test).
 */
function identityCheckFor(
  host: string,
): (name: string, cert: PeerCertificate) => Error | undefined {
  return (_name, cert) => checkServerIdentity(host, cert);
}
