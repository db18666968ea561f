/**
 * Validated config file → runtime Config, once per load. Cross-references (routes → agents and
 * backends), patterns, injection templates and upstream CA files are all checked here, so the
 * request path never parses anything and a config that loads is a config that works.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { rootCertificates, createSecureContext, type SecureContext } from "node:tls";
import { createAgentDirectory, type AgentDirectory } from "../agents.js";
import type { AnchorConfig } from "../attestation/keys.js";
import { isBackendKind } from "../backends/index.js";
import { validateBackendOptions } from "../backends/options.js";
import type { BackendKind } from "../backends/backend.js";
import { SigilError } from "../errors.js";
import { compileInjector } from "../inject/index.js";
import type { Injector } from "../inject/injector.js";
import { compileRoutes, type RouteTable } from "../routing/match.js";
import { compileAwsOperations, type AwsOperationList } from "../routing/aws-operation.js";
import { toAnchor } from "./anchor.js";
import { parseResolveMap, type ResolveTarget } from "./resolve.js";
import { routeFingerprint } from "./route-fingerprint.js";
import type { AgentEntry, ConfigFile } from "./schema.js";

export interface CompiledRoute {
  id: string;
  agentId: string;
  host: string;
  path: string;
  methods?: string[];
  allowPlaintext?: boolean;
  backend: string;
  secret: string;
  injector: Injector;
  binding: "off" | "optional" | "required";
  /** AWS operations allowed on this route (`--aws-operations`); undefined allows all. */
  awsOperations?: AwsOperationList;
  /** Agent-sent credential headers this route forwards (lower-case); see inject/agent-credentials.ts. */
  keepHeaders?: readonly string[];
  /** Inline session policy (JSON text) passed to the backend on each fetch (aws-sts). */
  sessionPolicy?: string;
  /** Trust for this upstream: system roots plus the route's `--upstream-ca`, if any. */
  upstreamCa?: { file: string; pem: string; context: SecureContext };
  /** Changes whenever anything that decides what the credential can do changes (open sessions end). */
  fingerprint: string;
}

export interface ProxySettings {
  listen: string;
  deadlineMs: number;
  skewSeconds: number;
  maxBodyBytes: number;
  maxBufferedBodyBytes: number;
  rateLimit: { perSecond: number; burst: number; denyRecordsPerSecond: number };
  idleTimeoutMs: number;
  /** Longest life of a WebSocket session or response stream (proxy/access-watch.ts). */
  maxSessionMs: number;
  maxTunnelsPerAgent: number;
  /** Read once when the listener is created; a change needs a restart. */
  headerTimeoutMs: number;
  resolve: ReadonlyMap<string, ResolveTarget>;
  replayStore: string;
  /** Dashboard listen address from the config; `start --dashboard` wins. */
  dashboard?: string;
}

export interface RuntimeConfig {
  /** SHA-256 of the config as loaded, recorded in `config` audit records. */
  hash: string;
  proxy: ProxySettings;
  anchors: AnchorConfig[];
  agents: AgentDirectory;
  agentsById: ReadonlyMap<string, AgentEntry>;
  backends: ReadonlyMap<
    string,
    { name: string; kind: BackendKind; options: Record<string, string> }
  >;
  routes: RouteTable<CompiledRoute>;
  /** The same routes in config order, for listings (the dashboard). */
  routeList: readonly CompiledRoute[];
}

export const DEFAULT_LISTEN = "127.0.0.1:10255";

export function compileConfig(file: ConfigFile): RuntimeConfig {
  const agentsById = new Map<string, AgentEntry>();
  for (const a of file.agents) {
    if (agentsById.has(a.id)) throw invalid(`agents: duplicate id ${a.id}`);
    if ([...agentsById.values()].some((o) => o.name === a.name && !o.revoked_at && !a.revoked_at)) {
      throw invalid(`agents: duplicate name ${a.name}`);
    }
    agentsById.set(a.id, a);
  }
  const backends = new Map<
    string,
    { name: string; kind: BackendKind; options: Record<string, string> }
  >();
  for (const b of file.backends) {
    if (backends.has(b.name)) throw invalid(`backends: duplicate name ${b.name}`);
    if (!isBackendKind(b.kind)) throw invalid(`backends.${b.name}: unknown kind ${b.kind}`);
    at(`backends.${b.name}`, () => validateBackendOptions(b.kind as BackendKind, b.options));
    backends.set(b.name, { name: b.name, kind: b.kind, options: b.options });
  }
  const anchors = file.anchors.map((a, i): AnchorConfig => {
    if (file.anchors.findIndex((o) => o.kid === a.kid) !== i)
      throw invalid(`anchors: duplicate kid`);
    return toAnchor(a);
  });
  const routes = file.routes.map((r): CompiledRoute => {
    const where = `routes.${r.id}`;
    if (!agentsById.has(r.agent_id)) throw invalid(`${where}: unknown agent ${r.agent_id}`);
    if (!backends.has(r.backend)) throw invalid(`${where}: unknown backend ${r.backend}`);
    const sessionPolicy =
      r.session_policy !== undefined
        ? at(where, () => loadSessionPolicy(r.session_policy!))
        : undefined;
    const upstreamCa =
      r.upstream_ca !== undefined
        ? { file: r.upstream_ca, ...at(where, () => loadCa(r.upstream_ca!)) }
        : undefined;
    return {
      id: r.id,
      agentId: r.agent_id,
      host: r.host,
      path: r.path,
      ...(r.methods !== undefined ? { methods: r.methods } : {}),
      ...(r.allow_plaintext !== undefined ? { allowPlaintext: r.allow_plaintext } : {}),
      backend: r.backend,
      secret: r.secret ?? "",
      injector: at(where, () => compileInjector(r.inject)),
      binding: r.binding,
      ...(r.aws_operations !== undefined
        ? { awsOperations: at(where, () => compileAwsOperations(r.aws_operations!, r.inject)) }
        : {}),
      ...(r.keep_headers ? { keepHeaders: r.keep_headers.map((h) => h.toLowerCase()) } : {}),
      ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
      ...(upstreamCa !== undefined ? { upstreamCa } : {}),
      fingerprint: routeFingerprint({
        route: r,
        backend: backends.get(r.backend),
        ...(upstreamCa ? { upstreamCaPem: upstreamCa.pem } : {}),
        ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
      }),
    };
  });
  const p = file.proxy;
  return {
    hash: createHash("sha256").update(JSON.stringify(file)).digest("hex"),
    proxy: {
      listen: p.listen ?? DEFAULT_LISTEN,
      deadlineMs: p.deadline_ms ?? 5000,
      skewSeconds: p.skew_seconds ?? 5,
      maxBodyBytes: p.max_body_bytes ?? 10 * 1024 * 1024,
      maxBufferedBodyBytes: p.max_buffered_body_bytes ?? 64 * 1024 * 1024,
      rateLimit: {
        perSecond: p.rate_limit?.requests_per_second ?? 100,
        burst: p.rate_limit?.burst ?? 200,
        denyRecordsPerSecond: p.rate_limit?.deny_records_per_second ?? 100,
      },
      idleTimeoutMs: p.idle_timeout_ms ?? 120_000,
      maxSessionMs: p.max_session_ms ?? 3_600_000,
      maxTunnelsPerAgent: p.max_tunnels_per_agent ?? 256,
      headerTimeoutMs: p.header_timeout_ms ?? 15_000,
      resolve: at("proxy.resolve", () => parseResolveMap(p.resolve ?? {})),
      replayStore: p.replay_store ?? "memory",
      ...(p.dashboard !== undefined ? { dashboard: p.dashboard } : {}),
    },
    anchors,
    agents: createAgentDirectory(file.agents),
    agentsById,
    backends,
    routes: at("routes", () => compileRoutes(routes)),
    routeList: routes,
  };
}

const caCache = new Map<string, { pem: string; context: SecureContext }>();

/** System roots plus one extra PEM file; contexts are shared across reloads while the file is unchanged. */
function loadCa(file: string): { pem: string; context: SecureContext } {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch {
    throw invalid(`cannot read upstream CA file ${file}`);
  }
  const cached = caCache.get(file);
  if (cached && cached.pem === pem) return cached;
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    throw invalid(`${file} holds no PEM certificate`);
  const context = createSecureContext({ ca: [...rootCertificates, pem] });
  const entry = { pem, context };
  caCache.set(file, entry);
  return entry;
}

/** Reads a session policy file once per load; it must be a JSON object (IAM policy document). */
function loadSessionPolicy(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw invalid(`cannot read session policy file ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`${file} is not JSON`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalid(`${file} must hold a JSON policy document`);
  }
  return JSON.stringify(parsed);
}

function at<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SigilError) {
      const code = err.code === "ERR_CONFLICT" ? "ERR_CONFLICT" : "ERR_CONFIG_INVALID";
      throw new SigilError(code, `${where}: ${err.reason}`);
    }
    throw err;
  }
}

function invalid(reason: string): SigilError {
  return new SigilError("ERR_CONFIG_INVALID", reason);
}
