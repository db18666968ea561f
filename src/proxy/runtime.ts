/**
 * Everything the request path needs, passed in rather than imported: the current compiled config
 * (swapped whole on reload, so a request sees one consistent snapshot), backends, trust anchors,
 * the replay store, the audit writer, the leaf cache and the upstream pool.
 */
import type { AuditWriter } from "../audit/writer.js";
import type { KeyRing } from "../attestation/keys.js";
import { createKeyRing } from "../attestation/keys.js";
import type { Backend } from "../backends/backend.js";
import { openBackend, type BackendDeps } from "../backends/index.js";
import type { RuntimeConfig } from "../config/compile.js";
import type { UpstreamPool } from "../forward.js";
import type { Logger } from "../log.js";
import type { LeafCache } from "../mitm/leaf-cache.js";
import type { ProxyObserver } from "../observe/observer.js";
import type { ReplayStore } from "../replay/store.js";
import type { AccessWatch } from "./access-watch.js";
import type { ReleaseTracker } from "./releases.js";
import type { BodyBudget } from "./body-budget.js";
import type { DenySummary } from "./deny-summary.js";
import type { RateLimiter } from "./rate-limit.js";

export interface RuntimeState {
  config: RuntimeConfig;
  backends: ReadonlyMap<string, Backend>;
  keyRing: KeyRing;
  /** Serialised anchors/backends, to reuse unchanged pieces across reloads. */
  anchorsKey: string;
  backendKeys: ReadonlyMap<string, string>;
}

export interface Runtime {
  state: RuntimeState;
  replay: ReplayStore;
  audit: AuditWriter;
  leaves: LeafCache;
  upstream: UpstreamPool;
  logger: Logger;
  /** Request summaries, tunnels, audit latency (metrics, dashboard); guarded, never throws. */
  observer: ProxyObserver;
  nowMs: () => number;
  env: NodeJS.ProcessEnv;
  /** Requests between head and completion; shutdown waits for this to reach 0. */
  inflight: number;
  /** Per-agent request buckets (`proxy.rate_limit`). */
  rateLimiter: RateLimiter;
  /** Bytes of request bodies buffered across all requests (`proxy.max_buffered_body_bytes`). */
  bodyBudget: BodyBudget;
  /** Per-agent, per-second accounting of refusals past the individual-record rate. */
  denies: DenySummary;
  /** Set when shutdown begins: new requests on open tunnels get 503 ERR_SHUTTING_DOWN. */
  stopping: boolean;
  /** Open sessions and streams, ended when a reload revokes their access (access-watch.ts). */
  access: AccessWatch;
  /** Credential releases and lease revocations in flight; shutdown waits for them (releases.ts). */
  releases: ReleaseTracker;
}

/** Builds the state for a config, reusing the previous key ring and backends where unchanged. */
export async function buildState(
  config: RuntimeConfig,
  prev: RuntimeState | undefined,
  deps: { env: NodeJS.ProcessEnv; nowMs: () => number; backendDeps?: Omit<BackendDeps, "env"> },
): Promise<RuntimeState> {
  const anchorsKey = JSON.stringify(config.anchors);
  let keyRing: KeyRing;
  if (prev && prev.anchorsKey === anchorsKey) {
    keyRing = prev.keyRing;
  } else {
    keyRing = createKeyRing(config.anchors, { nowMs: deps.nowMs });
    await keyRing.load();
  }
  const backends = new Map<string, Backend>();
  const backendKeys = new Map<string, string>();
  for (const [name, b] of config.backends) {
    const key = JSON.stringify(b);
    const reuse = prev?.backendKeys.get(name) === key ? prev.backends.get(name) : undefined;
    backends.set(
      name,
      reuse ??
        (await openBackend(name, b.kind, b.options, {
          ...deps.backendDeps,
          resolve: config.proxy.resolve,
          env: deps.env,
        })),
    );
    backendKeys.set(name, key);
  }
  return { config, backends, keyRing, anchorsKey, backendKeys };
}
