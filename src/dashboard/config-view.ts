/**
 * What the dashboard may show of the running config. Every field is chosen, never copied
 * wholesale: no token hash, no injection template (it may embed a literal), no URL userinfo or
 * query, and backend options only from an allowlist of non-sensitive keys (see docs/dashboard.md).
 * The built-in probe's agent, anchor and routes are left out: they are doctor's, not the operator's.
 */
import type { AnchorStatus } from "../attestation/keys.js";
import type { RuntimeConfig } from "../config/compile.js";
import { PROBE_AGENT_ID, PROBE_KID, PROBE_ROUTE_IDS } from "../probe/names.js";

/**
 * Backend options shown with their value: addresses, regions, modes and timeouts. Others — where
 * login material lives (env var names, file paths), AppRole role_id, STS external_id, client and
 * tenant ids, profiles — are listed by name only.
 */
export const SHOWN_BACKEND_OPTIONS: ReadonlySet<string> = new Set([
  "vault_addr",
  "auth_method",
  "mount",
  "namespace",
  "role",
  "region",
  "endpoint",
  "role_arn",
  "duration_seconds",
  "vault_url",
  "authority_host",
  "project",
  "token_uri",
  "timeout_ms",
]);

export interface ConfigView {
  proxy: Record<string, string | number>;
  anchors: {
    kid: string;
    fingerprint: string;
    issuers: string[];
    audience: string;
    source: string;
    loaded: boolean;
  }[];
  agents: { id: string; name: string; createdAt: string; revoked: boolean }[];
  routes: {
    id: string;
    agent: string;
    host: string;
    path: string;
    methods: string;
    backend: string;
    secretRef: string;
    inject: string;
    binding: string;
    plaintext: boolean;
    upstreamCa: boolean;
  }[];
  backends: {
    name: string;
    kind: string;
    options: Record<string, string>;
    hiddenOptions: string[];
  }[];
}

/** `listening` is where the proxy actually listens (`start --listen` wins over the config). */
export function describeConfig(
  cfg: RuntimeConfig,
  anchors: readonly AnchorStatus[],
  listening?: string,
): ConfigView {
  const loaded = new Map(anchors.map((a) => [a.kid, a.loaded]));
  return {
    proxy: {
      listen: listening || cfg.proxy.listen,
      deadlineMs: cfg.proxy.deadlineMs,
      skewSeconds: cfg.proxy.skewSeconds,
      idleTimeoutMs: cfg.proxy.idleTimeoutMs,
      maxBodyBytes: cfg.proxy.maxBodyBytes,
      replayStore: describeReplayStore(cfg.proxy.replayStore),
    },
    anchors: cfg.anchors
      .filter((a) => a.kid !== PROBE_KID)
      .map((a) => ({
        kid: a.kid,
        fingerprint: a.fingerprint,
        issuers: [...a.issuers],
        audience: a.audience,
        source:
          a.jwksUrl !== undefined
            ? `jwks_url ${safeUrl(a.jwksUrl)}`
            : a.jwksFile !== undefined
              ? `jwks_file ${a.jwksFile}`
              : "inline jwk",
        loaded: loaded.get(a.kid) ?? false,
      })),
    agents: [...cfg.agentsById.values()]
      .filter((a) => a.id !== PROBE_AGENT_ID)
      .map((a) => ({
        id: a.id,
        name: a.name,
        createdAt: a.created_at,
        revoked: a.revoked_at !== undefined,
      })),
    routes: cfg.routeList
      .filter((r) => !PROBE_ROUTE_IDS.includes(r.id))
      .map((r) => ({
        id: r.id,
        agent: cfg.agentsById.get(r.agentId)?.name ?? r.agentId,
        host: r.host,
        path: r.path,
        methods: r.methods?.join(",") ?? "any",
        backend: r.backend,
        secretRef: r.secret,
        inject: injectionKind(r.injector.spec),
        binding: r.binding,
        plaintext: r.allowPlaintext === true,
        upstreamCa: r.upstreamCa !== undefined,
      })),
    backends: [...cfg.backends.values()].map((b) => {
      const options: Record<string, string> = {};
      const hiddenOptions: string[] = [];
      for (const [k, v] of Object.entries(b.options)) {
        if (SHOWN_BACKEND_OPTIONS.has(k)) options[k] = /^https?:/i.test(v) ? safeUrl(v) : v;
        else hiddenOptions.push(k);
      }
      return { name: b.name, kind: b.kind, options, hiddenOptions };
    }),
  };
}

/** `header:NAME=TEMPLATE` → `header:NAME`; other kinds carry no template. */
export function injectionKind(spec: string): string {
  const eq = spec.indexOf("=");
  return spec.startsWith("header:") && eq > 0 ? spec.slice(0, eq) : spec;
}

/** Scheme, host and path only: userinfo, query and fragment can carry secrets. */
export function safeUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}

function describeReplayStore(spec: string): string {
  return spec === "memory" ? "memory" : `redis ${safeUrl(spec).replace(/\/$/, "")}`;
}
