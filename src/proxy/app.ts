/**
 * `sigil-vault start`: assembles the runtime from the home directory and runs the proxy until
 * stopped. Start, stop and config changes are audited; a memory replay store is rebuilt from recent
 * audit records so a restart does not reopen used attestations (a Redis one is shared by the fleet).
 */
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { openAuditWriter } from "../audit/writer.js";
import { compileConfig, type RuntimeConfig } from "../config/compile.js";
import { tryLock } from "../config/lock-file.js";
import type { HomePaths } from "../config/home.js";
import { readConfigFile } from "../config/store.js";
import { watchConfig } from "../config/watch.js";
import { SigilError } from "../errors.js";
import { createUpstreamPool } from "../forward.js";
import type { Logger } from "../log.js";
import { loadCa } from "../mitm/ca.js";
import { createLeafCache } from "../mitm/leaf-cache.js";
import { openReplayStore, parseReplayStoreSpec } from "../replay/create.js";
import { parseResolveMap } from "../config/resolve.js";
import { createProxyServers } from "./listener.js";
import { buildState, type Runtime } from "./runtime.js";
import { VERSION } from "../version.js";
import { isLoopback, splitListen } from "../config/listen.js";

export interface StartOptions {
  home: HomePaths;
  listen?: string;
  /** Extra `--resolve` entries, merged over the config's. */
  resolve?: Record<string, string>;
  allowRemote?: boolean;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  nowMs?: () => number;
  /** Extra trust roots for backend endpoints (tests' fake cloud services). */
  backendCa?: readonly string[];
  /** `--replay-store`: "memory" or a redis:// / rediss:// URL; wins over the config's. */
  replayStore?: string;
}

export interface RunningProxy {
  address: AddressInfo;
  runtime: Runtime;
  /** Stops accepting, drains in-flight requests for at most `drainMs`, closes the audit log. */
  stop(reason: string, drainMs?: number): Promise<void>;
}

export async function startProxy(opts: StartOptions): Promise<RunningProxy> {
  const nowMs = opts.nowMs ?? Date.now;
  const backendDeps = opts.backendCa ? { extraCa: opts.backendCa } : {};
  const extraResolve = opts.resolve ?? {};
  const load = () => {
    const file = readConfigFile(opts.home.config);
    file.proxy.resolve = { ...file.proxy.resolve, ...extraResolve };
    if (opts.replayStore !== undefined) file.proxy.replay_store = opts.replayStore;
    return compileConfig(file);
  };
  const config = load();
  parseResolveMap(extraResolve);
  const [host, port] = splitListen(opts.listen ?? config.proxy.listen);
  if (!isLoopback(host) && !opts.allowRemote) {
    throw new SigilError(
      "ERR_USAGE",
      `refusing to listen on non-loopback ${host} without --allow-remote (agents' tokens would cross the network)`,
    );
  }
  parseReplayStoreSpec(config.proxy.replayStore);
  const unlock = tryLock(opts.home.proxyLock);
  if (!unlock) {
    throw new SigilError(
      "ERR_CONFLICT",
      `another sigil-vault proxy is running on ${opts.home.root}`,
    );
  }
  try {
    return await run(opts, config, host, port, nowMs, backendDeps, load, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function run(
  opts: StartOptions,
  config: RuntimeConfig,
  host: string,
  port: number,
  nowMs: () => number,
  backendDeps: { extraCa?: readonly string[] },
  load: () => RuntimeConfig,
  unlock: () => void,
): Promise<RunningProxy> {
  const ca = await loadCa(opts.home.caDir);
  const audit = await openAuditWriter({ dir: opts.home.auditDir });
  const state = await buildState(config, undefined, { env: opts.env, nowMs, backendDeps });
  const {
    store: replay,
    kind: replayStore,
    restored,
  } = await openReplayStore(config.proxy.replayStore, {
    auditDir: opts.home.auditDir,
    nowMs,
    env: opts.env,
    logger: opts.logger,
  });
  const runtime: Runtime = {
    state,
    replay,
    audit,
    leaves: createLeafCache(ca),
    upstream: createUpstreamPool(),
    logger: opts.logger,
    nowMs,
    env: opts.env,
    inflight: 0,
    stopping: false,
  };
  for (const s of runtime.state.keyRing.status()) {
    if (!s.loaded)
      opts.logger.log("warn", "trust anchor key not loaded", { kid: s.kid, error: s.error });
  }
  if ([...config.backends.values()].some((b) => b.kind === "env")) {
    opts.logger.log("warn", "an env backend is configured: meant for development and tests only");
  }
  const { outer, inner, registry } = createProxyServers(runtime);
  outer.listen(port, host);
  await Promise.race([
    once(outer, "listening"),
    once(outer, "error").then(([err]) => {
      throw new SigilError(
        "ERR_IO",
        `cannot listen on ${host}:${port}: ${(err as NodeJS.ErrnoException).code}`,
      );
    }),
  ]).catch(async (err: unknown) => {
    await replay.close(); // a Redis client would otherwise keep reconnecting
    throw err;
  });
  const address = outer.address() as AddressInfo;
  await audit.append({
    type: "start",
    version: VERSION,
    listen: `${address.address}:${address.port}`,
    pid: process.pid,
    configHash: config.hash,
  });
  opts.logger.log("info", "proxy listening", {
    listen: `${address.address}:${address.port}`,
    replayStore,
    replayIdsRestored: restored,
  });
  const watcher = watchConfig(
    opts.home.config,
    async () => {
      const next = load();
      runtime.state = await buildState(next, runtime.state, { env: opts.env, nowMs, backendDeps });
      await audit.append({ type: "config", configHash: next.hash }).catch(() => undefined);
      opts.logger.log("info", "config reloaded", { hash: next.hash });
    },
    (reason) =>
      opts.logger.log("error", "config reload rejected; keeping the last good config", { reason }),
  );

  let stopping: Promise<void> | undefined;
  return {
    address,
    runtime,
    stop(reason, drainMs = 10_000) {
      stopping ??= (async () => {
        watcher.stop();
        runtime.stopping = true;
        outer.close();
        inner.closeIdleConnections();
        const until = Date.now() + drainMs;
        while (runtime.inflight > 0 && Date.now() < until) await sleep(20);
        for (const s of registry.open) s.destroy();
        outer.closeAllConnections();
        inner.closeAllConnections();
        inner.close(); // stops its head-timeout check
        runtime.upstream.destroy();
        await audit.append({ type: "stop", reason }).catch(() => undefined);
        await audit.close();
        await replay.close();
        unlock();
      })();
      return stopping;
    },
  };
}
