/**
 * `sigil-vault start`: assembles the runtime from the home directory and runs the proxy until
 * stopped. Start, stop and config changes are audited; a memory replay store is rebuilt from recent
 * audit records so a restart does not reopen used attestations (a Redis one is shared by the fleet).
 */
import type { AddressInfo } from "node:net";
import { bindServer } from "../bind-server.js";
import { looseBackendFiles } from "../backends/file-modes.js";
import { startControlOrWarn } from "../control/server.js";
import { setTimeout as sleep } from "node:timers/promises";
import { openAuditWriter } from "../audit/writer.js";
import { compileConfig, type RuntimeConfig } from "../config/compile.js";
import { recordLockHolder, tryLock } from "../config/lock-file.js";
import { describeHolder } from "./lock-holder.js";
import type { HomePaths } from "../config/home.js";
import { readConfigFile } from "../config/store.js";
import { watchConfig } from "../config/watch.js";
import { SigilError } from "../errors.js";
import { createUpstreamPool } from "../forward.js";
import type { Logger } from "../log.js";
import { loadCa } from "../mitm/ca.js";
import { createLeafCache } from "../mitm/leaf-cache.js";
import { mintLeavesAhead } from "../mitm/leaf-prewarm.js";
import { ed25519 } from "../attestation/ed25519.js";
import { openReplayStore, parseReplayStoreSpec } from "../replay/create.js";
import { parseResolveMap } from "../config/resolve.js";
import { createProxyServers } from "./listener.js";
import { createBodyBudget } from "./body-budget.js";
import { createDenySummary } from "./deny-summary.js";
import { createRateLimiter } from "./rate-limit.js";
import { startProbe, type Probe } from "../probe/setup.js";
import { buildState, type Runtime } from "./runtime.js";
import { createAccessWatch } from "./access-watch.js";
import { createReleaseTracker, settleReleases } from "./releases.js";
import { createBackendCloser } from "./backend-closer.js";
import type { BackendDeps } from "../backends/deps.js";
import { VERSION } from "../version.js";
import { formatHostPort, isLoopback, splitListen } from "../config/listen.js";
import { createDashboardFeeds, dashboardAddress } from "../dashboard/feeds.js";
import { startDashboard, type RunningDashboard } from "../dashboard/server.js";
import { guardObserver, noopObserver } from "../observe/observer.js";

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
  /** `--dashboard HOST:PORT`: serve the read-only dashboard and /metrics there. */
  dashboard?: string;
}

export interface RunningProxy {
  address: AddressInfo;
  /** The dashboard listener, when one was asked for. */
  dashboard?: AddressInfo;
  runtime: Runtime;
  /** Stops accepting, drains in-flight requests for at most `drainMs`, closes the audit log. */
  stop(reason: string, drainMs?: number): Promise<void>;
}

export async function startProxy(opts: StartOptions): Promise<RunningProxy> {
  const nowMs = opts.nowMs ?? Date.now;
  const backendDeps = {
    logger: opts.logger,
    ...(opts.backendCa ? { extraCa: opts.backendCa } : {}),
  };
  const extraResolve = opts.resolve ?? {};
  const readFile = () => {
    const file = readConfigFile(opts.home.config);
    file.proxy.resolve = { ...file.proxy.resolve, ...extraResolve };
    if (opts.replayStore !== undefined) file.proxy.replay_store = opts.replayStore;
    return file;
  };
  const config = compileConfig(readFile());
  parseResolveMap(extraResolve);
  const [host, port] = splitListen(opts.listen ?? config.proxy.listen);
  if (!isLoopback(host) && !opts.allowRemote) {
    throw new SigilError(
      "ERR_USAGE",
      `refusing to listen on non-loopback ${host} without --allow-remote (agents' tokens would cross the network)`,
    );
  }
  const dashboard = opts.dashboard ?? config.proxy.dashboard;
  if (dashboard !== undefined) dashboardAddress(dashboard, opts.allowRemote === true);
  parseReplayStoreSpec(config.proxy.replayStore);
  const unlock = tryLock(opts.home.proxyLock);
  if (!unlock) {
    throw new SigilError("ERR_CONFLICT", describeHolder(opts.home));
  }
  let probe: Probe | undefined;
  try {
    const p = (probe = await startProbe(opts.home, nowMs));
    const load = () => p.compile(readFile());
    return await run(
      { ...opts, ...(dashboard ? { dashboard } : {}) },
      load(),
      host,
      port,
      nowMs,
      backendDeps,
      load,
      unlock,
      p,
    );
  } catch (err) {
    await probe?.close();
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
  backendDeps: Omit<BackendDeps, "env">,
  load: () => RuntimeConfig,
  unlock: () => void,
  probe: Probe,
): Promise<RunningProxy> {
  const ca = await loadCa(opts.home.caDir);
  const feeds =
    opts.dashboard !== undefined
      ? createDashboardFeeds({ nowMs, auditHead: () => audit.head })
      : undefined;
  const observer = guardObserver(feeds?.observer ?? noopObserver, opts.logger);
  const audit = await openAuditWriter({
    dir: opts.home.auditDir,
    onDurableWrite: (ms, n, records) => {
      observer.auditWrite(ms, n);
      feeds?.auditIndex.add(records);
    },
  });
  const state = probe.attach(
    await buildState(config, undefined, { env: opts.env, nowMs, backendDeps }),
  );
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
    observer,
    nowMs,
    env: opts.env,
    inflight: 0,
    stopping: false,
    access: createAccessWatch(() => runtime.state),
    releases: createReleaseTracker(opts.logger, audit),
    rateLimiter: createRateLimiter(),
    bodyBudget: createBodyBudget(),
    denies: createDenySummary(() => runtime),
  };
  mintLeavesAhead(runtime.leaves, config.routeList);
  for (const s of runtime.state.keyRing.status()) {
    if (!s.loaded)
      opts.logger.log("warn", "trust anchor key not loaded", { kid: s.kid, error: s.error });
  }
  const fallback = ed25519().fallbackReason; // loads libsodium now, not on the first request
  if (fallback !== undefined) {
    opts.logger.log("warn", "Ed25519 verified with node:crypto (slower)", { reason: fallback });
  }
  if ([...config.backends.values()].some((b) => b.kind === "env")) {
    opts.logger.log("warn", "an env backend is configured: meant for development and tests only");
  }
  for (const b of config.backends.values())
    for (const w of looseBackendFiles(b)) opts.logger.log("warn", w);
  const { outer, inner, registry, sessions } = createProxyServers(runtime);
  let dashboard: RunningDashboard | undefined;
  if (feeds && opts.dashboard !== undefined) {
    const [dashHost, dashPort] = dashboardAddress(opts.dashboard, opts.allowRemote === true);
    dashboard = await startDashboard(dashHost, dashPort, {
      rt: runtime,
      ...feeds,
      auditDir: opts.home.auditDir,
      proxyListen: () => {
        const a = outer.address();
        return a && typeof a === "object" ? formatHostPort(a) : "";
      },
      startedAt: nowMs(),
    }).catch(async (err: unknown) => {
      await replay.close();
      throw err;
    });
  }
  await bindServer(outer, host, port, "the proxy").catch(async (err: unknown) => {
    await replay.close(); // a Redis client would otherwise keep reconnecting
    await dashboard?.close();
    throw err;
  });
  const address = outer.address() as AddressInfo;
  recordLockHolder(opts.home.proxyLock, formatHostPort(address));
  await audit.append({
    type: "start",
    version: VERSION,
    listen: `${address.address}:${address.port}`,
    pid: process.pid,
    configHash: config.hash,
    ...(dashboard ? { dashboard: formatHostPort(dashboard.address) } : {}),
  });
  opts.logger.log("info", "proxy listening", {
    listen: `${address.address}:${address.port}`,
    replayStore,
    replayIdsRestored: restored,
  });
  const closer = createBackendCloser(opts.logger);
  const watcher = watchConfig(
    opts.home.config,
    async () => {
      const next = load();
      const prev = runtime.state;
      runtime.state = probe.attach(
        await buildState(next, runtime.state, { env: opts.env, nowMs, backendDeps }),
      );
      // Revoked or removed agents keep no idle upstream connections.
      runtime.upstream.retainPartitions((id) => {
        const entry = next.agentsById.get(id);
        return entry !== undefined && !entry.revoked_at;
      });
      mintLeavesAhead(runtime.leaves, next.routeList);
      runtime.access.recheck(runtime.state);
      closer.retire(prev, runtime.state, prev.config.proxy.deadlineMs);
      await audit.append({ type: "config", configHash: next.hash }).catch(() => undefined);
      opts.logger.log("info", "config reloaded", { hash: next.hash });
    },
    (reason) =>
      opts.logger.log("error", "config reload rejected; keeping the last good config", { reason }),
  );

  // Last: nothing after it can fail, so a failed start never leaves the socket behind.
  const control = await startControlOrWarn(opts.home, () => runtime.state, opts.logger);
  let stopping: Promise<void> | undefined;
  return {
    address,
    ...(dashboard ? { dashboard: dashboard.address } : {}),
    runtime,
    stop(reason, drainMs = 10_000) {
      stopping ??= (async () => {
        watcher.stop();
        runtime.stopping = true;
        outer.close();
        inner.closeIdleConnections();
        for (const s of sessions) s.close("ERR_SHUTTING_DOWN");
        await drain(runtime, registry.open, drainMs);
        runtime.access.endAll({ error: "ERR_SHUTTING_DOWN", reason: "the proxy stopped" });
        for (const s of registry.open) s.destroy();
        outer.closeAllConnections();
        inner.closeAllConnections();
        inner.close(); // stops its head-timeout check
        runtime.upstream.destroy();
        await settleReleases(runtime);
        await closer.closeAll(runtime.state);
        await runtime.denies.flush();
        await audit.append({ type: "stop", reason }).catch(() => undefined);
        await audit.close();
        await replay.close();
        await probe.close();
        await control?.close();
        await dashboard?.close();
        unlock();
      })();
      return stopping;
    },
  };
}

/**
 * How long nothing must be in flight before open tunnels are closed: a keep-alive agent that sent
 * its next request as the last response left gets `503 ERR_SHUTTING_DOWN` (retry elsewhere), not
 * a connection reset.
 */
const DRAIN_QUIET_MS = 100;

/** Waits, at most `drainMs`, until no request is in flight (and, with tunnels open, stays so). */
async function drain(runtime: Runtime, tunnels: ReadonlySet<unknown>, drainMs: number) {
  const until = Date.now() + drainMs;
  let quietSince: number | undefined;
  for (let now = Date.now(); now < until; now = Date.now()) {
    if (runtime.inflight > 0) quietSince = undefined;
    else {
      quietSince ??= now;
      if (tunnels.size === 0 || now - quietSince >= DRAIN_QUIET_MS) return;
    }
    await sleep(20);
  }
}
