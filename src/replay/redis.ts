/**
 * The replay store a fleet shares (spec §5.3, §10): one atomic `SET <key> 1 NX PXAT <ms>` per
 * claim. It fails closed and fast — nothing is queued while disconnected and every command is
 * bounded — so an unreachable, hung, read-only or full Redis means 503, never a pass.
 */
import { createClient, ErrorReply } from "@redis/client";
import { isIP } from "node:net";
import { SigilError } from "../errors.js";
import type { Logger } from "../log.js";
import {
  clockSkewReason,
  DEFAULT_CLOCK_CHECK_EVERY_MS,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  measureClockSkew,
} from "./redis-clock.js";
import type { ReplayStore } from "./store.js";

/** Every claim is the key `sigil-vault:replay:<replay id>`; its value is "1". */
export const REPLAY_KEY_PREFIX = "sigil-vault:replay:";

/** Where Redis is, from a `redis://` or `rediss://` URL (see replay/create.ts). */
export interface RedisTarget {
  host: string;
  port: number;
  /** `rediss://`: TLS with certificate verification against `host`. */
  tls: boolean;
  /** The URL's `/db` number; Redis' default (0) when absent. */
  database?: number;
  /** ACL user from the URL; the password never comes from the URL. */
  username?: string;
}

/** Tuning and dependencies; the defaults suit production. */
export interface RedisReplayOptions {
  /** From `SIGIL_VAULT_REDIS_PASSWORD` (AUTH / ACL password). */
  password?: string;
  /** Trust roots for `rediss://` instead of the system store (tests' private CA). */
  ca?: string;
  logger?: Logger;
  /** Bound on each claim; default 500 ms, well inside the 5 s request cap. */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection before serving (and refusing) anyway. */
  connectWaitMs?: number;
  /** Longest pause between reconnection attempts (exponential backoff up to this); default 1 s. */
  maxReconnectDelayMs?: number;
  /** A connection whose claims have gone unanswered this long is replaced; default 2000 ms. */
  recycleAfterMs?: number;
  /** Vault's clock, compared with Redis' TIME (redis-clock.ts); injectable for tests. */
  nowMs?: () => number;
  /** Claims are refused while the clocks differ by more; default 60 s. */
  maxClockSkewMs?: number;
  /** How often the skew is measured again; default 30 s (and at every connect). */
  clockCheckEveryMs?: number;
}

/** A ReplayStore on Redis; `connected` tells whether claims can currently be answered. */
export type RedisReplayStore = ReplayStore & {
  readonly connected: boolean;
  /** Measures Redis' clock minus Vault's now, in ms (for doctor); rejects when unreachable. */
  measureClockSkew(): Promise<number>;
};

type Client = ReturnType<typeof newClient>;

const WARN_EVERY_MS = 10_000;

/** A claim that got no answer in time (node-redis bounds only commands not yet written). */
class ClaimTimeout extends Error {
  override name = "ClaimTimeout";
}

export async function createRedisReplayStore(
  target: RedisTarget,
  opts: RedisReplayOptions = {},
): Promise<RedisReplayStore> {
  const timeoutMs = opts.commandTimeoutMs ?? 500;
  const recycleAfterMs = opts.recycleAfterMs ?? 2000;
  const log = (level: "info" | "warn", msg: string, reason?: string) =>
    opts.logger?.log(level, msg, { store: "redis", ...(reason ? { reason } : {}) });
  const nowMs = opts.nowMs ?? Date.now;
  const maxSkewMs = opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  let closed = false;
  let available = false;
  /** The last skew measured on the current connection; a new connection is measured again. */
  let clock: { client: Client; skewMs: number } | undefined;
  /** When the current run of unanswered claims began; any answer from Redis clears it. */
  let stalledSince: number | undefined;
  const warnedAt = new Map<string, number>();
  /** At most one line per message every 10 s: a down Redis must not flood the log. */
  const warnEvery = (msg: string, why: string) => {
    const now = Date.now();
    if (now - (warnedAt.get(msg) ?? -Infinity) < WARN_EVERY_MS) return;
    warnedAt.set(msg, now);
    log("warn", msg, why);
  };

  const open = (): Client => {
    const c = newClient(target, opts);
    c.on("ready", () => {
      if (c !== client) return;
      available = true;
      log("info", "replay store connected");
      void checkClock(c).catch(() => undefined); // a claim measures again if this failed
    });
    c.on("error", (err: unknown) => {
      if (c !== client || closed) return;
      if (!available) return warnEvery("replay store connection failed", reason(err));
      available = false;
      log("warn", "replay store unavailable: refusing attested requests (503)", reason(err));
    });
    c.connect().catch(() => undefined); // retries forever; the events report the state
    return c;
  };
  let client = open();
  /** A connection that stopped answering (black-holed path, frozen server) is replaced. */
  const recycle = () => {
    const old = client;
    client = open();
    available = false;
    stalledSince = undefined;
    old.destroy();
    log("warn", "replay store connection unresponsive: reconnecting");
  };
  const noteFailure = (c: Client, err: unknown) => {
    const now = Date.now();
    if (err instanceof ClaimTimeout) {
      stalledSince ??= now;
      if (c === client && now - stalledSince >= recycleAfterMs) recycle();
    } else if (err instanceof ErrorReply) {
      stalledSince = undefined;
    }
    if (available) warnEvery("replay store claim failed", reason(err)); // else: see "connection failed"
  };

  /** Measures and keeps the skew of `c`; a skew beyond the bound is logged (claims refuse). */
  const checkClock = async (c: Client): Promise<number> => {
    const skewMs = await measureClockSkew(() => bounded(c.time(), timeoutMs), nowMs);
    if (c === client) clock = { client: c, skewMs };
    const why = clockSkewReason(skewMs, maxSkewMs);
    if (why) warnEvery("replay store clock skew: refusing attested requests (503)", why);
    return skewMs;
  };
  const clockTimer = setInterval(() => {
    if (client.isReady) void checkClock(client).catch(() => undefined);
  }, opts.clockCheckEveryMs ?? DEFAULT_CLOCK_CHECK_EVERY_MS);
  clockTimer.unref();

  const ready = new Promise<void>((resolve) => client.once("ready", resolve));
  await waitAtMost(ready, opts.connectWaitMs ?? 2000);
  if (!client.isReady) log("warn", "replay store not reachable yet: refusing until it is");

  return {
    get connected() {
      return client.isReady;
    },
    async claim(id, expiresAtMs) {
      if (closed) throw unavailable();
      const c = client;
      let reply: unknown;
      try {
        const skewMs = clock?.client === c ? clock.skewMs : await checkClock(c);
        const why = clockSkewReason(skewMs, maxSkewMs);
        if (why) throw new SigilError("ERR_REPLAY_STORE_UNAVAILABLE", why);
        const set = c.set(REPLAY_KEY_PREFIX + id, "1", {
          condition: "NX",
          expiration: { type: "PXAT", value: Math.ceil(expiresAtMs) },
        });
        reply = await bounded(set, timeoutMs);
      } catch (err) {
        if (err instanceof SigilError) throw err;
        noteFailure(c, err);
        throw unavailable();
      }
      stalledSince = undefined;
      if (reply === "OK") return true;
      if (reply === null) return false;
      throw unavailable();
    },
    async measureClockSkew() {
      if (closed || !client.isReady) throw unavailable();
      return checkClock(client).catch(() => Promise.reject(unavailable()));
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(clockTimer);
      if (client.isOpen) await waitAtMost(client.close(), 1000).catch(() => undefined);
      client.destroy();
    },
  };
}

function newClient(target: RedisTarget, opts: RedisReplayOptions) {
  const maxDelay = opts.maxReconnectDelayMs ?? 1000;
  return createClient({
    socket: {
      host: target.host,
      port: target.port,
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) =>
        Math.min(50 * 2 ** retries, maxDelay) + Math.floor(Math.random() * 100),
      ...(target.tls
        ? {
            tls: true as const,
            ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
            ...(opts.ca ? { ca: [opts.ca] } : {}),
          }
        : {}),
    },
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(target.database !== undefined ? { database: target.database } : {}),
    RESP: 2 as const,
    /** Fail closed and fast: a command while disconnected is refused, not parked. */
    disableOfflineQueue: true,
    commandsQueueMaxLength: 10_000,
  });
}

function unavailable(): SigilError {
  return new SigilError("ERR_REPLAY_STORE_UNAVAILABLE", "replay store unavailable");
}

/** A short, secret-free cause for logs: Redis' error prefix (READONLY, OOM, NOAUTH), a socket code or an error name. */
function reason(err: unknown): string {
  if (err instanceof ErrorReply) return err.message.split(" ", 1)[0] ?? "ErrorReply";
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  if (!(err instanceof Error)) return "unknown";
  return err.name === "Error" ? err.constructor.name : err.name; // node-redis classes keep "Error"
}

/**
 * Rejects after `ms`. The verdict waits one setImmediate: timers run before I/O in a loop turn, so
 * after a stalled event loop a reply already sitting in the socket is read before it is judged late.
 */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    const late = () => reject(new ClaimTimeout("no answer in time"));
    timer = setTimeout(() => setImmediate(late), ms);
  });
  return Promise.race([p, cap]).finally(() => clearTimeout(timer));
}

async function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([p.then(() => undefined), cap]).finally(() => clearTimeout(timer));
}
