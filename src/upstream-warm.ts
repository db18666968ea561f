/**
 * Upstream connections opened ahead of their first request (first contact, issue #12). A tunnel
 * to a routed host starts the TCP + TLS handshake to its upstream at CONNECT time, in parallel
 * with the agent's own handshake and the request's checks; the request that later needs a new
 * connection with the same pool key takes that one instead of dialling after its `release`.
 *
 * Node's https.Agent cannot be handed a socket for its free pool, so this subclass answers
 * `createConnection` from its warm sockets first. A warm socket
 * - is made by the agent's own `createConnection` from the options a request brings (the agent's
 *   trust context, SNI, identity check and session cache): it belongs to one partition (agent)
 *   and one trust context, like every socket of this pool;
 * - carries nothing but the TLS handshake until a request takes it, and is handed to a request
 *   only after its certificate verified and that request's own identity check accepts it —
 *   otherwise the request dials its own connection, which then fails or succeeds as before;
 * - is closed when no request took it within WARM_IDLE_MS, when its tunnel closes first (the
 *   caller's cancel), and when the pool retires or is destroyed.
 */
import { Agent as HttpsAgent, type RequestOptions } from "node:https";
import type { Duplex } from "node:stream";
import { checkServerIdentity, type TLSSocket } from "node:tls";

/** A warm socket no request took within this is closed: the pool's own idle timeout. */
export const WARM_IDLE_MS = 4_000;

/** What createSocket hands to createConnection: the request's options plus the pool key. */
type ConnectOptions = RequestOptions & { _agentKey?: string };

interface Warm {
  readonly socket: TLSSocket;
  readonly key: string;
  /** Called once, when the socket stops being warm (claimed by a request, closed, cancelled). */
  readonly done: () => void;
  readonly idle: NodeJS.Timeout;
  claimed: boolean;
}

export class WarmAgent extends HttpsAgent {
  readonly #warm = new Map<string, Set<Warm>>();

  /**
   * Opens a connection for a later request made with `options` (as forward.ts passes them),
   * unless the pool already keeps an idle one for that key. Returns the cancel (closes the socket
   * if no request took it yet); `done` runs once, when the socket stops being warm.
   */
  preconnect(options: RequestOptions, done: () => void): (() => void) | undefined {
    const opts = this.#connectOptions(options);
    const key = opts?._agentKey;
    if (!opts || key === undefined || (this.freeSockets[key]?.length ?? 0) > 0) return undefined;
    const socket = super.createConnection(opts) as TLSSocket;
    // Failures (a certificate that does not verify included) are the request path's to report:
    // a request that finds no warm socket dials its own and fails the normal way.
    socket.on("error", swallow);
    const idle = setTimeout(() => socket.destroy(), WARM_IDLE_MS).unref();
    const warm: Warm = { socket, key, done, idle, claimed: false };
    let set = this.#warm.get(key);
    if (!set) this.#warm.set(key, (set = new Set()));
    set.add(warm);
    socket.once("close", () => {
      clearTimeout(idle);
      this.#drop(warm);
    });
    return () => {
      if (!warm.claimed) socket.destroy();
    };
  }

  override createConnection(
    options: ConnectOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const warm = options._agentKey === undefined ? undefined : this.#claim(options._agentKey);
    if (!warm) return super.createConnection(options, callback);
    if (verified(warm.socket)) return this.#handOut(warm, options);
    // Still handshaking: the request waits for it rather than dialling a second connection.
    const settled = () => {
      warm.socket.off("secureConnect", settled);
      warm.socket.off("close", settled);
      callback?.(null, this.#handOut(warm, options));
    };
    warm.socket.once("secureConnect", settled);
    warm.socket.once("close", settled);
    return undefined;
  }

  /**
   * The pool key, with the name the connection is verified for. Node's key leaves that name out
   * when it equals the host dialled, and has none without SNI (an IP literal): a route for an IP
   * literal that `--resolve` sends to a DNS name would otherwise share that name's sockets, each
   * verified only for the other. `verifyHost` comes from forward.ts's TLS options.
   *
   * Node builds its key by concatenating some twenty option fields, twice per request (taking a
   * socket, and freeing it). forward.ts's pooled requests carry no TLS material of their own (the
   * trust context is this agent's, one agent per context), so their key is the fields that vary;
   * anything carrying its own TLS material gets Node's full key.
   */
  override getName(options?: PoolKeyOptions): string {
    if (options?.verifyHost === undefined || ownTlsMaterial(options)) {
      return `${super.getName(options)}:${options?.verifyHost ?? ""}`;
    }
    const { host, port, localAddress, family, servername, rejectUnauthorized } = options;
    return `${host}:${port}:${localAddress ?? ""}:${family ?? ""}:${servername ?? ""}:${String(rejectUnauthorized)}|${options.verifyHost}`;
  }

  /** Closes every socket no request took yet (a retired partition, a destroyed pool). */
  closeWarm(): void {
    for (const set of this.#warm.values()) for (const w of set) w.socket.destroy();
  }

  override destroy(): void {
    this.closeWarm();
    super.destroy();
  }

  /** The warm socket if it is usable for this request, else a connection of the request's own. */
  #handOut(warm: Warm, options: ConnectOptions): Duplex {
    if (usable(warm.socket, options)) {
      clearTimeout(warm.idle);
      warm.socket.off("error", swallow);
      return warm.socket;
    }
    warm.socket.destroy();
    return super.createConnection(options) as Duplex;
  }

  /** Takes a warm socket for `key` out of the store, preferring one whose handshake is done. */
  #claim(key: string): Warm | undefined {
    const live = [...(this.#warm.get(key) ?? [])].filter((w) => !w.socket.destroyed);
    const pick = live.find((w) => verified(w.socket)) ?? live[0];
    if (!pick) return undefined;
    pick.claimed = true;
    this.#drop(pick);
    return pick;
  }

  #drop(warm: Warm): void {
    const set = this.#warm.get(warm.key);
    if (!set?.delete(warm)) return;
    if (set.size === 0) this.#warm.delete(warm.key);
    warm.done();
  }

  /** The options createSocket (node:_http_agent) would pass for a request with `options`. */
  #connectOptions(options: RequestOptions): ConnectOptions | undefined {
    const opts: ConnectOptions & {
      encoding?: null;
      keepAlive?: boolean;
      keepAliveInitialDelay?: number;
    } = {
      ...options,
      ...this.options,
    };
    // Named upstreams only: without an explicit name, Node derives SNI from the Host header.
    if (typeof opts.servername !== "string" || opts.servername === "") return undefined;
    opts._agentKey = this.getName(opts);
    opts.encoding = null;
    const self = this as unknown as { keepAlive?: boolean; keepAliveMsecs?: number };
    if (self.keepAlive) {
      opts.keepAlive = true;
      opts.keepAliveInitialDelay = self.keepAliveMsecs;
    }
    return opts;
  }
}

/** Request options as the pool key sees them (agent options merged in by node:_http_agent). */
type PoolKeyOptions = RequestOptions & { verifyHost?: string };

/** Options that make a connection's TLS differ from the agent's own trust context. */
const TLS_MATERIAL = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "crl",
  "ciphers",
  "clientCertEngine",
  "privateKeyEngine",
  "privateKeyIdentifier",
  "minVersion",
  "maxVersion",
  "secureProtocol",
  "secureOptions",
  "sigalgs",
  "ecdhCurve",
  "dhparam",
  "honorCipherOrder",
  "sessionIdContext",
  "pskCallback",
] as const;

function ownTlsMaterial(options: PoolKeyOptions): boolean {
  const o = options as Record<string, unknown>;
  for (const name of TLS_MATERIAL) if (o[name] !== undefined) return true;
  return false;
}

function swallow(): void {}

/** The handshake finished and the certificate verified (rejectUnauthorized destroys otherwise). */
function verified(socket: TLSSocket): boolean {
  return !socket.destroyed && socket.authorized;
}

/** Verified, nothing read or ended, and acceptable to the taking request's own identity check. */
function usable(socket: TLSSocket, options: ConnectOptions): boolean {
  if (!verified(socket) || !socket.writable) return false;
  if (socket.readableEnded || socket.readableLength > 0) return false;
  const check = options.checkServerIdentity ?? checkServerIdentity;
  return check(options.servername ?? "", socket.getPeerCertificate()) === undefined;
}
