/**
 * Picks the replay store named by `proxy.replay_store` (spec §5.3, §10): "memory" for one Vault, or
 * a `redis://` / `rediss://` URL a fleet shares. The Redis password never sits in config or on a
 * command line: it comes from the environment variable SIGIL_VAULT_REDIS_PASSWORD.
 */
import { SigilError } from "../errors.js";
import type { Logger } from "../log.js";
import { createMemoryReplayStore } from "./memory.js";
import { rebuildReplayStore } from "./rebuild.js";
import { requirePackages, type ImportModule } from "../optional-packages.js";
import type { RedisReplayOptions, RedisTarget } from "./redis.js";
import type { ReplayStore } from "./store.js";

/** The Redis client, an optional peer dependency at the version tested (one Vault needs none). */
export const REDIS_PACKAGE: Readonly<Record<string, string>> = { "@redis/client": "6.3.1" };

/** Read at start-up; Redis' AUTH / ACL password. */
export const REDIS_PASSWORD_ENV = "SIGIL_VAULT_REDIS_PASSWORD";

export type ReplayStoreSpec = { kind: "memory" } | { kind: "redis"; target: RedisTarget };

/**
 * Validates a `replay_store` value. Errors never echo the value: a mistyped URL may hold a secret.
 */
export function parseReplayStoreSpec(value: string): ReplayStoreSpec {
  if (value === "memory") return { kind: "memory" };
  const invalid = (why: string) => new SigilError("ERR_CONFIG_INVALID", `replay_store: ${why}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`must be "memory" or a redis:// or rediss:// URL`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw invalid(`must be "memory" or a redis:// or rediss:// URL`);
  }
  if (url.password !== "") {
    throw invalid(`must not carry a password: set ${REDIS_PASSWORD_ENV} instead`);
  }
  if (url.hostname === "") throw invalid("a host is required");
  if (url.search !== "" || url.hash !== "") throw invalid("query and fragment are not supported");
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d{1,5}$/.test(db)) {
    throw invalid("the path must be a database number, e.g. redis://host:6379/0");
  }
  return {
    kind: "redis",
    target: {
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port === "" ? 6379 : Number(url.port),
      tls: url.protocol === "rediss:",
      ...(db !== "" ? { database: Number(db) } : {}),
      ...(url.username !== "" ? { username: decodeURIComponent(url.username) } : {}),
    },
  };
}

/** What the proxy hands the factory at start-up. */
export interface OpenReplayStoreOptions {
  /** Source of the memory store's rebuild. */
  auditDir: string;
  nowMs: () => number;
  /** Where SIGIL_VAULT_REDIS_PASSWORD is read. */
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Redis tuning and test dependencies (trust roots, timeouts). */
  redis?: Omit<RedisReplayOptions, "password" | "logger">;
  /** Loads @redis/client (default `import()`); tests inject one that reports it missing. */
  importModule?: ImportModule;
}

/** An open store; `restored` counts replay ids the memory store re-claimed from the audit log. */
export interface OpenedReplayStore {
  kind: ReplayStoreSpec["kind"];
  store: ReplayStore;
  restored: number;
}

/**
 * Opens the store. Memory is rebuilt from the last minutes of this home's audit log. Redis is not:
 * it is the fleet's single source of truth and keeps its own keys across a Vault restart, while
 * this home's log knows only this instance's ids — surviving a Redis restart is Redis' job (AOF,
 * docs/operations.md). Redis may be down at start: the proxy then starts and answers 503 until it
 * is back.
 */
export async function openReplayStore(
  value: string,
  opts: OpenReplayStoreOptions,
): Promise<OpenedReplayStore> {
  const spec = parseReplayStoreSpec(value);
  if (spec.kind === "memory") {
    const store = createMemoryReplayStore(opts.nowMs);
    const restored = await rebuildReplayStore(store, opts.auditDir, opts.nowMs());
    return { kind: "memory", store, restored };
  }
  const createRedisReplayStore = await loadRedisStore(opts.importModule);
  const password = opts.env[REDIS_PASSWORD_ENV];
  const store = await createRedisReplayStore(spec.target, {
    ...opts.redis,
    ...(password ? { password } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return { kind: "redis", store, restored: 0 };
}

/**
 * The Redis store's factory, loaded only when a `redis://` store is configured: a Vault with the
 * memory store never needs the Redis client installed. ERR_CONFIG_INVALID when it is missing.
 */
export async function loadRedisStore(
  importModule?: ImportModule,
): Promise<typeof import("./redis.js").createRedisReplayStore> {
  await requirePackages("replay_store redis://", REDIS_PACKAGE, importModule);
  return (await import("./redis.js")).createRedisReplayStore;
}
