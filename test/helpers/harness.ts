/**
 * The proxy in-process against a recording HTTPS upstream, on a throwaway home built directly
 * (config, MITM CA, an inline-JWK trust anchor for a test signing key), so integration tests can
 * drive every refusal and read back the audit records, captured logs and files it left behind.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAgentToken, generateId, hashToken } from "../../src/agents.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { listAuditFiles } from "../../src/audit/files.js";
import { resolveHome } from "../../src/config/home.js";
import type { BackendEntry, ConfigFile, RouteEntry } from "../../src/config/schema.js";
import { readConfigFile, writeConfigFile } from "../../src/config/store.js";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { devKeyInfo } from "../../src/dev/keys.js";
import { createCa, writeCa } from "../../src/mitm/ca.js";
import { startProxy, type RunningProxy } from "../../src/proxy/app.js";
import {
  agentRequest,
  type AgentRequestOptions,
  type AgentResponse,
  type TunnelOptions,
} from "./agent-client.js";
import type { TestPki } from "./pki.js";
import { attestationClaims, makeDualKey, signToken } from "./tokens.js";
import { startUpstream, type RecordedRequest } from "./upstream.js";

export const API_HOST = "api.example.test";

/** A route in harness terms; unset fields take the defaults noted. */
export interface HarnessRoute {
  path: string;
  /** Default API_HOST; every route host resolves to the upstream. */
  host?: string;
  methods?: string[];
  /** Default "demo-env" (an env backend). */
  backend?: string;
  /** Default "DEMO_KEY", whose value is the canary. */
  secret?: string;
  inject?: string;
  /** Default "required", as for a route added without `--binding`. */
  binding?: RouteEntry["binding"];
  /** Trust the upstream's test CA (default true). */
  upstreamCa?: boolean;
  /** `keep_headers`: agent-sent credential headers the route forwards. */
  keepHeaders?: string[];
}

export interface HarnessOptions {
  /** The agent's name (the attestations' agentId); default "agent-a". */
  agentName?: string;
  /** Default DEFAULT_ROUTES. */
  routes?: HarnessRoute[];
  /** Backends besides "demo-env". */
  backends?: BackendEntry[];
  proxy?: ConfigFile["proxy"];
  /** Extra environment for backends (DEMO_KEY is always the canary). */
  env?: Record<string, string>;
  nowMs?: () => number;
  /** Also serve the dashboard and /metrics on 127.0.0.1 (a free port). */
  dashboard?: boolean;
  /** Issues the upstream's certificate (default: a fresh PKI), e.g. to mint more leaves under it. */
  upstreamPki?: TestPki;
  /** Extra `--resolve` entries (backend endpoints, extra upstreams) and backend trust roots. */
  resolve?: Record<string, string>;
  backendCa?: string[];
}

/** A response plus the upstream requests recorded while it was in flight. */
export type HarnessResponse = AgentResponse & { upstreamRequests: RecordedRequest[] };

export const DEFAULT_ROUTES: HarnessRoute[] = [
  { path: "/v1/*", methods: ["GET", "POST"] },
  { path: "/sse" },
  { path: "/stream" },
  { path: "/slow-head" },
  { path: "/status/*" },
];

/** A running harness; members are documented where `startHarness` builds them. */
export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(opts: HarnessOptions = {}) {
  const root = await mkdtemp(join(tmpdir(), "sigil-proxy-"));
  await chmod(root, 0o700);
  const home = resolveHome(root, {});
  const nowMs = opts.nowMs ?? Date.now;
  const canary = `canary-${randomBytes(16).toString("hex")}`;
  const upstream = await startUpstream(opts.upstreamPki ? { pki: opts.upstreamPki } : {});
  const upstreamCaFile = join(root, "upstream-ca.pem");
  await writeFile(upstreamCaFile, upstream.caPem);
  const ca = createCa();
  await writeCa(home.caDir, ca);
  const { dev, test } = makeDualKey("harness");
  const { fingerprint, publicJwk } = devKeyInfo(dev);
  const anchor = { kid: dev.kid, fingerprint, issuers: ["sigil-core"], audience: "sigil-sign" };

  const name = opts.agentName ?? "agent-a";
  const agent = { id: generateId("agt"), name, token: generateAgentToken() };
  const routes = opts.routes ?? DEFAULT_ROUTES;
  const cfg: ConfigFile = {
    version: 1,
    proxy: opts.proxy ?? {},
    anchors: [{ ...anchor, jwk: publicJwk }],
    agents: [
      {
        id: agent.id,
        name,
        token_sha256: hashToken(agent.token),
        created_at: "2025-01-01T00:00:00Z",
      },
    ],
    backends: [{ name: "demo-env", kind: "env", options: {} }, ...(opts.backends ?? [])],
    routes: routes.map((r) => ({
      id: generateId("rt"),
      agent_id: agent.id,
      host: r.host ?? API_HOST,
      path: r.path,
      ...(r.methods ? { methods: r.methods } : {}),
      backend: r.backend ?? "demo-env",
      secret: r.secret ?? "DEMO_KEY",
      inject: r.inject ?? "header:Authorization=Bearer {value}",
      binding: r.binding ?? "required",
      ...(r.upstreamCa === false ? {} : { upstream_ca: upstreamCaFile }),
      ...(r.keepHeaders ? { keep_headers: r.keepHeaders } : {}),
    })),
  };
  writeConfigFile(home.config, cfg);

  const resolve: Record<string, string> = {};
  for (const r of routes) resolve[`${r.host ?? API_HOST}:443`] = `127.0.0.1:${upstream.port}`;
  Object.assign(resolve, opts.resolve);
  const logs: string[] = [];
  const start = () =>
    startProxy({
      home,
      listen: "127.0.0.1:0",
      resolve,
      logger: { log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })) },
      env: { DEMO_KEY: canary, ...opts.env },
      nowMs,
      ...(opts.dashboard ? { dashboard: "127.0.0.1:0" } : {}),
      ...(opts.backendCa ? { backendCa: opts.backendCa } : {}),
    });
  let proxy: RunningProxy | undefined = await start().catch(async (err: unknown) => {
    await Promise.all([upstream.close(), rm(root, { recursive: true, force: true })]);
    throw err;
  });
  const minted: string[] = [];
  const responses: AgentResponse[] = [];

  const url = (path: string, host = API_HOST) => `https://${host}${path}`;
  /** A dev attestation; with method and url, bound to them through X-Sigil-Intent. */
  const attest = (
    a: { method?: string; url?: string; bodySha256?: string; agentName?: string } = {},
  ) => {
    const out = makeDevAttestation({ key: dev, agentName: name, nowMs: nowMs(), ...a });
    minted.push(out.attestation);
    return out;
  };
  const tunnel = (o: Partial<TunnelOptions> = {}): TunnelOptions => ({
    proxyPort: proxy?.address.port ?? 0,
    token: agent.token,
    host: API_HOST,
    ca: ca.certPem,
    ...o,
  });
  const request = async (o: Partial<AgentRequestOptions>): Promise<HarnessResponse> => {
    const before = upstream.requests.length;
    const res = await agentRequest({ ...tunnel(), ...o });
    responses.push(res);
    return { ...res, upstreamRequests: upstream.requests.slice(before) };
  };
  const audit = () => readAudit(home.auditDir);
  const waitForAudit = async (pred: (r: AuditRecord) => boolean, timeoutMs = 3000) => {
    for (const until = Date.now() + timeoutMs; ; await sleep(20)) {
      const hit = (await audit()).find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error("expected audit record did not appear");
    }
  };
  /** Rewrites the config file and waits until the proxy has reloaded it. */
  const updateConfig = async (mutate: (cfg: ConfigFile) => void) => {
    const reloads = () => logs.filter((l) => l.includes('"config reloaded"')).length;
    const before = reloads();
    const next = readConfigFile(home.config);
    mutate(next);
    writeConfigFile(home.config, next);
    // Generous: the proxy applies a change within 1 s (spec §1), but a loaded CI machine can
    // take longer to poll, compile and audit it; how fast reloads are is not what this waits for.
    for (const until = Date.now() + 5000; reloads() === before; await sleep(20)) {
      if (Date.now() > until) throw new Error("the proxy did not reload the config");
    }
  };
  const stopProxy = async (drainMs = 2000) => {
    const p = proxy;
    proxy = undefined;
    if (p) await bounded(p.stop("test", drainMs), drainMs + 3000);
  };

  return {
    get proxyPort() {
      return proxy?.address.port ?? 0;
    },
    /** The dashboard's port (0 when the harness runs without one). */
    get dashboardPort() {
      return proxy?.dashboard?.port ?? 0;
    },
    /** The Vault MITM CA (what agents trust). */
    caPem: ca.certPem,
    upstream,
    agent,
    /** The credential value the env backend releases. */
    canary,
    home,
    /** Captured log lines (JSON), every attestation minted, every response `request` returned. */
    logs,
    minted,
    responses,
    /** The anchored signing key, for hand-made tokens. */
    key: test,
    /** The same key as a dev-signer key (`createDevSigner`), for clients that ask a signer. */
    devKey: dev,
    nowMs,
    url,
    attest,
    tunnel,
    /** Sends through the proxy as the agent to API_HOST unless overridden. */
    request,
    /** Signs Sign-shaped claims for the agent (overrides win) with the anchored key. */
    async sign(claims: Record<string, unknown> = {}, header?: Record<string, unknown>) {
      const iat = Math.floor(nowMs() / 1000);
      const token = await signToken(
        test,
        attestationClaims(iat, { agentId: name, ...claims }),
        header,
      );
      minted.push(token);
      return token;
    },
    /** `request` with a fresh attestation and intent bound to this method, host and path. */
    attested(o: Partial<AgentRequestOptions>) {
      const method = o.method ?? "GET";
      const path = o.path ?? "/";
      const { attestation, intent } = attest({ method, url: url(path, o.host) });
      const headers = {
        "x-sigil-attestation": attestation,
        "x-sigil-intent": intent!,
        ...o.headers,
      };
      return request({ ...o, method, path, headers });
    },
    readAudit: audit,
    waitForAudit,
    /** Asserts status, X-Sigil-Error, JSON body, a silent upstream and a matching `deny` record. */
    async expectDenied(res: HarnessResponse, status: number, code: string) {
      const requestId = expectErrorResponse(res, status, code);
      assert.deepEqual(res.upstreamRequests, [], "the upstream must see nothing");
      const deny = await waitForAudit((r) => r.type === "deny" && r["requestId"] === requestId);
      assert.equal(deny["code"], code);
      return requestId;
    },
    updateConfig,
    /**
     * Adds another agent (`attest({ agentName })` mints for it) holding a copy of every route of
     * the first agent; returns its id, name and token.
     */
    async addAgent(agentName: string) {
      const other = { id: generateId("agt"), name: agentName, token: generateAgentToken() };
      await updateConfig((cfg) => {
        cfg.agents.push({
          id: other.id,
          name: agentName,
          token_sha256: hashToken(other.token),
          created_at: "2025-01-01T00:00:00Z",
        });
        const copies = cfg.routes.filter((r) => r.agent_id === agent.id);
        for (const r of copies) cfg.routes.push({ ...r, id: generateId("rt"), agent_id: other.id });
      });
      return other;
    },
    stopProxy,
    async restartProxy() {
      await stopProxy();
      proxy = await start();
    },
    /** Stops everything within a bounded time and removes the home directory. */
    async stop() {
      await stopProxy().catch(() => undefined);
      await bounded(upstream.close(), 3000);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Asserts the §4 refusal shape and returns the body's requestId. */
export function expectErrorResponse(res: AgentResponse, status: number, code: string): string {
  assert.equal(res.status, status, `status (body ${res.body.toString("utf8").slice(0, 200)})`);
  assert.equal(res.headers["x-sigil-error"], code);
  const body = JSON.parse(res.body.toString("utf8")) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "requestId"]);
  assert.equal(body.error["code"], code);
  assert.equal(typeof body.error["message"], "string");
  assert.match(String(body.error["requestId"]), /^[0-9a-f-]{36}$/);
  return body.error["requestId"] as string;
}

/** Every record of the audit log, in chain order. */
export async function readAudit(dir: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (const f of await listAuditFiles(dir)) {
    for (const line of (await readFile(f.path, "utf8")).split("\n")) {
      if (line !== "") out.push(JSON.parse(line) as AuditRecord);
    }
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `p` settles or after `ms`, whichever is first: teardown never hangs a test run. */
function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p.then(() => undefined), cap]).finally(() => clearTimeout(timer));
}
