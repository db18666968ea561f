/**
 * `doctor`'s replay store line: memory needs nothing; a Redis store must answer and its clock must
 * agree with this host's within the bound, or the proxy refuses every attested request (503).
 */
import type { ConfigFile } from "../config/schema.js";
import { SigilError } from "../errors.js";
import { loadRedisStore, parseReplayStoreSpec, REDIS_PASSWORD_ENV } from "../replay/create.js";
import { clockSkewReason, DEFAULT_MAX_CLOCK_SKEW_MS } from "../replay/redis-clock.js";
import { fail, ok, type CheckResult } from "./check.js";

const CHECK = "replay store";

export async function checkReplayStore(
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  nowMs: () => number,
): Promise<CheckResult[]> {
  const spec = parseReplayStoreSpec(file.proxy.replay_store ?? "memory");
  if (spec.kind === "memory") {
    return [ok(CHECK, "memory (this instance only; rebuilt from the audit log at start)")];
  }
  const where = `redis ${spec.target.host}:${spec.target.port}`;
  let createRedisReplayStore;
  try {
    createRedisReplayStore = await loadRedisStore();
  } catch (err) {
    if (!(err instanceof SigilError)) throw err;
    return [fail(CHECK, err.reason, "install the Redis client, or use the memory store")];
  }
  const password = env[REDIS_PASSWORD_ENV];
  const store = await createRedisReplayStore(spec.target, {
    nowMs,
    connectWaitMs: 2000,
    ...(password ? { password } : {}),
  });
  try {
    if (!store.connected) {
      return [fail(CHECK, `${where} does not answer`, "start Redis or fix proxy.replay_store")];
    }
    const skewMs = await store.measureClockSkew();
    const why = clockSkewReason(skewMs, DEFAULT_MAX_CLOCK_SKEW_MS);
    if (why) return [fail(CHECK, `${where}: ${why}`, "synchronise both hosts' clocks (NTP)")];
    return [
      ok(
        CHECK,
        `${where} answers; its clock is within ${Math.round(Math.abs(skewMs))} ms of this host's`,
      ),
    ];
  } finally {
    await store.close();
  }
}
