/**
 * Sends the prepared request upstream over verified TLS (spec §3) and resolves at the response
 * head. Connections are pooled per agent and trust context — never shared between agents — and
 * every request carries framing for exactly the body it sends (framing.ts). An exchange that ends
 * irregularly takes its connection with it (exchange.ts). There is deliberately no option to skip
 * certificate verification — a route that needs a private CA names it with `--upstream-ca`.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from "node:http";
import {
  Agent as HttpsAgent,
  request as httpsRequest,
  type RequestOptions as HttpsRequestOptions,
} from "node:https";
import { isIP } from "node:net";
import {
  checkServerIdentity,
  rootCertificates,
  type PeerCertificate,
  type SecureContext,
} from "node:tls";
import type { Duplex, Readable } from "node:stream";
import { SigilError } from "./errors.js";
import type { OutboundRequest } from "./inject/injector.js";
import { setFraming, type BodyFraming } from "./proxy/framing.js";
import { guardExchange } from "./proxy/exchange.js";
import { WarmAgent } from "./upstream-warm.js";

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

/**
 * What stops a request before its response head: the request deadline (proxy/deadline.ts). A
 * callback rather than an AbortSignal: Node's EventTarget costs more per request than the rest.
 */
export interface Cancel {
  readonly reason: SigilError | undefined;
  /** Calls `fn` when it fires; returns the unsubscribe. */
  onFire(fn: (reason: SigilError) => void): () => void;
}

/** The body to send: a buffered one (sent with its length), or the agent's stream and framing. */
export type OutboundBody = Buffer | { stream: Readable; framing: BodyFraming };

export interface UpstreamPool {
  /**
   * `partition` (the agent's id) selects the connection pool: connections are never shared
   * between partitions, so one agent's bytes can never be read as part of another's request.
   */
  request(
    target: UpstreamTarget,
    req: Pick<OutboundRequest, "method" | "path" | "host" | "headers" | "tls">,
    body: OutboundBody,
    cancel: Cancel,
    partition: string,
  ): Promise<IncomingMessage>;
  /**
   * Sends an HTTP/1.1 Upgrade handshake on a connection of its own (same trust rules) and resolves
   * at the answer: the upgraded socket on 101, the plain response otherwise.
   */
  upgrade(
    target: UpstreamTarget,
    req: Pick<OutboundRequest, "method" | "path" | "host" | "headers" | "tls">,
    cancel: Cancel,
  ): Promise<UpgradeAnswer>;
  /**
   * Opens a pooled https connection (TCP + TLS handshake, nothing else) that the partition's next
   * request to `target` needing a new connection takes (upstream-warm.ts). Undefined when the pool
   * already has an idle one; else the cancel. `done` runs once, when it stops being warm.
   */
  preconnect(target: UpstreamTarget, partition: string, done: () => void): (() => void) | undefined;
  /** Closes the pools of partitions `keep` rejects (agents removed or revoked by a reload). */
  retainPartitions(keep: (partition: string) => boolean): void;
  destroy(): void;
}

/** The upstream's answer to an Upgrade handshake. */
export type UpgradeAnswer =
  | { upgraded: true; res: IncomingMessage; socket: Duplex; head: Buffer }
  | { upgraded: false; res: IncomingMessage };

const AGENT_OPTS = {
  keepAlive: true,
  // Idle pooled sockets close after 4 s (sooner when the upstream's Keep-Alive hint says so),
  // before the common 5 s server keep-alive timeout: a reused socket is then rarely one the
  // upstream is closing at that moment, which would fail the request with ECONNRESET.
  timeout: 4_000,
  maxSockets: 256,
  maxFreeSockets: 64,
  scheduling: "lifo",
} as const;

/** What forward.ts passes node:http(s): the trust context and the pool key's verified name too. */
type UpstreamRequestOptions = HttpsRequestOptions & {
  secureContext?: SecureContext;
  verifyHost: string;
};

/** One partition's pools: plain http, and https per trust context. */
interface Partition {
  http: HttpAgent;
  https: Map<SecureContext | undefined, HttpsAgent>;
}

export function createUpstreamPool(): UpstreamPool {
  const partitions = new Map<string, Partition>();

  function partitionFor(key: string): Partition {
    let p = partitions.get(key);
    if (!p) {
      p = { http: new HttpAgent(AGENT_OPTS), https: new Map() };
      partitions.set(key, p);
    }
    return p;
  }

  function httpsAgentFor(p: Partition, ctx: SecureContext | undefined): HttpsAgent {
    let agent = p.https.get(ctx);
    if (!agent) {
      agent = new WarmAgent({ ...AGENT_OPTS, ...(ctx ? { secureContext: ctx } : {}) });
      p.https.set(ctx, agent);
    }
    return agent;
  }

  /** The node:http(s) request for `req`; without a partition, a connection of its own. */
  function open(
    target: UpstreamTarget,
    req: Pick<OutboundRequest, "method" | "path" | "host" | "headers" | "tls">,
    partition: Partition | undefined,
  ): ClientRequest {
    // One options object, built field by field: Node copies it again per request. Headers are
    // set on the request, not passed as options: Node's agent keeps a pooled socket's options
    // (and so would keep the injected credential) for the socket's life.
    const options: HttpsRequestOptions =
      target.scheme === "http"
        ? { agent: partition ? partition.http : false }
        : tlsOptions(target, req, partition);
    options.host = target.connectHost;
    options.port = target.connectPort;
    options.method = req.method;
    options.path = req.path;
    options.setHost = false;
    const out = target.scheme === "http" ? httpRequest(options) : httpsRequest(options);
    // Node enforces the Content-Length we set against the bytes actually written (an
    // OutgoingMessage property since Node 18.10; @types/node declares it on ServerResponse only).
    (out as ClientRequest & { strictContentLength: boolean }).strictContentLength = true;
    out.setHeader("host", req.host);
    for (const name in req.headers) out.setHeader(name, req.headers[name]!);
    return out;
  }

  /** Trust and pooling for an https request; the identity check never captures the request. */
  function tlsOptions(
    target: UpstreamTarget,
    req: Pick<OutboundRequest, "tls">,
    partition: Partition | undefined,
  ): UpstreamRequestOptions {
    const options: UpstreamRequestOptions = {
      // A client certificate makes the connection this release's own: never pooled.
      agent: req.tls || !partition ? false : httpsAgentFor(partition, target.secureContext),
      rejectUnauthorized: true,
      checkServerIdentity: identityCheckFor(target.host),
      // Part of the pool key (upstream-warm.ts): a socket serves only requests verified alike.
      verifyHost: target.host,
    };
    if (!isIP(target.host)) options.servername = target.host;
    if (req.tls) {
      options.cert = req.tls.cert;
      options.key = req.tls.key;
      if (target.caPems) options.ca = [...rootCertificates, ...target.caPems];
    } else if (!partition && target.secureContext) {
      options.secureContext = target.secureContext;
    }
    return options;
  }

  return {
    request(target, req, body, cancel, partition) {
      if (cancel.reason) return Promise.reject(cancel.reason);
      return new Promise((resolve, reject) => {
        const out = open(target, req, partitionFor(partition));
        setFraming(out, Buffer.isBuffer(body) ? body : body.framing);
        guardExchange(out, Buffer.isBuffer(body) ? undefined : body.stream);
        // Deadline or agent gone before the head: the request is torn down (never reused).
        const off = cancel.onFire((reason) => out.destroy(reason));
        out.once("response", (res: IncomingMessage) => {
          off();
          resolve(res);
        });
        out.once("error", (err) => {
          off();
          reject(cancel.reason ?? upstreamError(err));
        });
        if (Buffer.isBuffer(body)) out.end(body);
        else if (body.framing.kind === "none") out.end();
        else body.stream.pipe(out);
      });
    },
    upgrade(target, req, cancel) {
      if (cancel.reason) return Promise.reject(cancel.reason);
      return new Promise((resolve, reject) => {
        const out = open(target, req, undefined);
        setFraming(out, { kind: "none" });
        const off = cancel.onFire((reason) => out.destroy(reason));
        out.once("upgrade", (res: IncomingMessage, socket: Duplex, head: Buffer) => {
          off();
          resolve({ upgraded: true, res, socket, head });
        });
        out.once("response", (res: IncomingMessage) => {
          off();
          resolve({ upgraded: false, res });
        });
        out.once("error", (err) => {
          off();
          reject(cancel.reason ?? upstreamError(err));
        });
        out.end();
      });
    },
    preconnect(target, partition, done) {
      const p = partitionFor(partition);
      const agent = httpsAgentFor(p, target.secureContext);
      const options = { host: target.connectHost, port: target.connectPort };
      if (!(agent instanceof WarmAgent)) return undefined;
      return agent.preconnect({ ...options, ...tlsOptions(target, {}, p) }, done);
    },
    retainPartitions(keep) {
      for (const [key, p] of partitions) {
        if (keep(key)) continue;
        partitions.delete(key);
        for (const agent of [p.http, ...p.https.values()]) retireAgent(agent);
      }
    },
    destroy() {
      for (const p of partitions.values()) {
        p.http.destroy();
        for (const a of p.https.values()) a.destroy();
      }
      partitions.clear();
    },
  };
}

/**
 * Closes a pool's idle sockets now and each socket in use when its exchange ends (a pool that
 * keeps no free sockets destroys each one it gets back): requests in flight are not cut.
 */
function retireAgent(agent: HttpAgent): void {
  if (agent instanceof WarmAgent) agent.closeWarm();
  agent.maxFreeSockets = 0;
  for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
}

/** Maps socket/TLS failures to ERR_UPSTREAM_FAILED with a reason that names the class, not data. */
function upstreamError(err: unknown): SigilError {
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
 * One per host name, kept (up to a bound) rather than made per request.
 */
function identityCheckFor(
  host: string,
): (name: string, cert: PeerCertificate) => Error | undefined {
  let check = identityChecks.get(host);
  if (!check) {
    if (identityChecks.size >= MAX_IDENTITY_CHECKS) identityChecks.clear();
    check = (_name, cert) => checkServerIdentity(host, cert);
    identityChecks.set(host, check);
  }
  return check;
}

const identityChecks = new Map<
  string,
  (name: string, cert: PeerCertificate) => Error | undefined
>();
const MAX_IDENTITY_CHECKS = 1024;
