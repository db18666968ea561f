/**
 * A local HashiCorp Vault speaking the HTTP API the backend uses, over HTTPS with a test PKI:
 * token auth (X-Vault-Token, lookup-self, renew-self with TTLs), AppRole, JWT and Kubernetes
 * logins, KV v1 and v2, a database engine with leases and recorded (or failed) revocations, a
 * PKI engine minting real certificates, namespaces (X-Vault-Namespace), and Vault's error shapes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createTestPki } from "../helpers/pki.js";
import { DatabaseEngine, revokeLease, type Lease } from "./hashicorp-vault/dynamic.js";
import { KvV1, KvV2, type KvData } from "./hashicorp-vault/kv.js";
import { appRoleLogin, jwtLogin, type AppRole, type JwtRole } from "./hashicorp-vault/logins.js";
import { PkiEngine, type PkiRole } from "./hashicorp-vault/pki.js";
import { badRequest, denied, sendErrors, sendOk } from "./hashicorp-vault/reply.js";
import { policyAllows, TokenStore, type TokenGrant } from "./hashicorp-vault/tokens.js";
import { listenOnLoopback } from "../helpers/loopback-server.js";

export type { TokenGrant } from "./hashicorp-vault/tokens.js";

/** A DNS name on the fake's certificate, for tests that reach it through a resolve override. */
export const FAKE_VAULT_HOST = "vault.example.test";

/** One request as the fake received it (the token is recorded so tests can count reuse). */
export interface FakeVaultRequest {
  readonly method: string;
  /** Path after `/v1/`, with the query. */
  readonly path: string;
  readonly namespace: string;
  readonly token: string | undefined;
  /** The Host header as received. */
  readonly host: string;
}

export interface FakeVaultOptions {
  /** The clock for token TTLs and certificate validity; default Date.now. */
  nowMs?: () => number;
}

type Mount =
  | { type: "kv1"; engine: KvV1 }
  | { type: "kv2"; engine: KvV2 }
  | { type: "database"; engine: DatabaseEngine }
  | { type: "pki"; engine: PkiEngine }
  | { type: "approle"; roles: AppRole[] }
  | { type: "jwt" | "kubernetes"; roles: Map<string, JwtRole> };

export type FakeVault = Awaited<ReturnType<typeof startFakeVault>>;

export async function startFakeVault(options: FakeVaultOptions = {}) {
  const nowMs = options.nowMs ?? Date.now;
  const tls = createTestPki("Fake Vault TLS CA");
  const leaf = tls.issue(["127.0.0.1", "localhost", FAKE_VAULT_HOST]);
  const tokens = new TokenStore(nowMs);
  const mounts = new Map<string, Mount>();
  const leases = new Map<string, Lease>();
  const revocations: string[] = [];
  /** Every `sys/leases/revoke` attempt's lease id, failed ones included. */
  const revokeAttempts: string[] = [];
  let failRevokes = 0;
  const requests: FakeVaultRequest[] = [];
  let logins = 0;
  let connections = 0;
  /** Milliseconds to sit on a request before answering it; Infinity = never answer. */
  let latency: ((path: string) => number | undefined) | undefined;

  const key = (namespace: string, mount: string) => `${namespace}|${mount}`;
  const mount = <T extends Mount["type"]>(ns: string, name: string, type: T, make: () => Mount) => {
    let m = mounts.get(key(ns, name));
    if (!m) mounts.set(key(ns, name), (m = make()));
    if (m.type !== type) throw new Error(`mount ${name} is a ${m.type} mount`);
    return m as Extract<Mount, { type: T }>;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://vault.invalid");
    const namespace = header(req, "x-vault-namespace").replace(/^\/+|\/+$/g, "");
    const token = req.headers["x-vault-token"] as string | undefined;
    const path = url.pathname.replace(/^\/v1\//, "");
    const method = req.method ?? "GET";
    requests.push({ method, path: path + url.search, namespace, token, host: header(req, "host") });
    if (!url.pathname.startsWith("/v1/")) return sendErrors(res, 404, []);
    const wait = latency?.(path) ?? 0;
    if (wait === Infinity) return;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const body = await readJson(req);
    if (body === undefined) return badRequest(res, "failed to parse JSON input");
    const segments = path.split("/").map(decodeURIComponent);
    const write = method === "POST" || method === "PUT";

    if (segments[0] === "auth" && segments[2] === "login" && segments.length === 3) {
      if (!write) return sendErrors(res, 405, []);
      const m = mounts.get(key(namespace, segments[1] ?? ""));
      if (!m || (m.type !== "approle" && m.type !== "jwt" && m.type !== "kubernetes")) {
        return sendErrors(res, 400, [`no handler for route "${path}". route entry not found.`]);
      }
      const outcome =
        m.type === "approle" ? appRoleLogin(m.roles, body) : await jwtLogin(m.type, m.roles, body);
      if ("errors" in outcome) return sendErrors(res, outcome.status, outcome.errors);
      logins++;
      const entry = tokens.create({ ...outcome.grant, namespace });
      return sendOk(res, { auth: tokens.authBlock(entry) });
    }

    const entry = tokens.find(token, namespace);
    if (!entry) return denied(res);
    if (path === "auth/token/lookup-self") {
      return sendOk(res, { data: tokens.lookupBlock(entry) });
    }
    if (path === "auth/token/renew-self") {
      if (!write) return sendErrors(res, 405, []);
      if (!entry.renewable) return badRequest(res, "lease is not renewable");
      tokens.renew(entry);
      return sendOk(res, { auth: tokens.authBlock(entry) });
    }
    if (!policyAllows(entry.paths, path)) return denied(res);
    if (path === "sys/leases/revoke") {
      if (!write) return sendErrors(res, 405, []);
      revokeAttempts.push(String(body["lease_id"]));
      if (failRevokes > 0) {
        failRevokes--;
        return sendErrors(res, 500, ["internal error"]);
      }
      return revokeLease(res, leases, revocations, namespace, body);
    }
    const m = mounts.get(key(namespace, segments[0] ?? ""));
    const rest = segments.slice(1);
    if (!m) return sendErrors(res, 404, [`no handler for route "${path}". route entry not found.`]);
    if (m.type === "kv1" && method === "GET") return m.engine.read(res, rest.join("/"));
    if (m.type === "kv2" && method === "GET") return m.engine.read(res, rest, url.searchParams);
    if (m.type === "database" && method === "GET") return m.engine.creds(res, rest);
    if (m.type === "pki" && write) return m.engine.issue(res, rest, body);
    return sendErrors(res, 405, []);
  }

  const server = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    handle(req, res).catch(() => sendErrors(res, 500, ["internal error"]));
  });
  server.on("secureConnection", () => connections++);
  const listener = await listenOnLoopback(server);
  const port = listener.port;

  return {
    url: `https://127.0.0.1:${port}`,
    /** The CA of the fake's TLS certificate (what the backend must trust). */
    caPem: tls.caPem,
    requests,
    /** Lease ids revoked through `sys/leases/revoke`, in order. */
    revocations,
    /** Lease ids of every revocation attempt, in order (failed ones too). */
    revokeAttempts,
    /** Answers the next `n` revocations with Vault's 500, revoking nothing. */
    failRevocations(n: number) {
      failRevokes = n;
    },
    leases,
    /** TLS connections accepted so far (keep-alive reuse shows as few). */
    get connections() {
      return connections;
    },
    /** Successful logins (AppRole, JWT, Kubernetes) so far. */
    get logins() {
      return logins;
    },
    /** A token as `vault token create` would make; returns its id. */
    addToken: (grant: TokenGrant) => tokens.create(grant).id,
    revokeToken: (id: string) => tokens.revoke(id),
    addAppRole: (role: AppRole, opts: { mount?: string; namespace?: string } = {}) =>
      void mount(opts.namespace ?? "", opts.mount ?? "approle", "approle", () => ({
        type: "approle",
        roles: [],
      })).roles.push(role),
    addJwtRole: (
      name: string,
      role: JwtRole,
      opts: { kind?: "jwt" | "kubernetes"; mount?: string; namespace?: string } = {},
    ) => {
      const kind = opts.kind ?? "jwt";
      const m = mount(opts.namespace ?? "", opts.mount ?? kind, kind, () => ({
        type: kind,
        roles: new Map(),
      }));
      m.roles.set(name, role);
    },
    putKv1: (mountName: string, path: string, data: KvData, namespace = "") =>
      mount(namespace, mountName, "kv1", () => ({ type: "kv1", engine: new KvV1() })).engine.put(
        path,
        data,
      ),
    /** Writes a new KV v2 version; returns its number. */
    putKv2: (mountName: string, path: string, data: KvData, namespace = "") =>
      mount(namespace, mountName, "kv2", () => ({ type: "kv2", engine: new KvV2() })).engine.put(
        path,
        data,
      ),
    deleteKv2Version: (mountName: string, path: string, version: number, namespace = "") =>
      mount(namespace, mountName, "kv2", () => ({
        type: "kv2",
        engine: new KvV2(),
      })).engine.deleteVersion(path, version),
    addDatabaseRole: (mountName: string, role: string, namespace = "") =>
      mount(namespace, mountName, "database", () => ({
        type: "database",
        engine: new DatabaseEngine(mountName, namespace, leases),
      })).engine.addRole(role),
    /** Adds a PKI role; returns the engine's CA certificate (PEM). */
    addPkiRole: (mountName: string, role: string, spec: PkiRole, namespace = "") => {
      const m = mount(namespace, mountName, "pki", () => ({
        type: "pki",
        engine: new PkiEngine(`Fake Vault PKI ${mountName}`, nowMs),
      }));
      m.engine.addRole(role, spec);
      return m.engine.ca.certPem;
    },
    /**
     * Delays answers: `pick(path)` (path after /v1/) gives milliseconds, Infinity for never,
     * undefined for at once. `setLatency(undefined)` answers everything at once again.
     */
    setLatency(pick: ((path: string) => number | undefined) | undefined) {
      latency = pick;
    },
    close: listener.close,
  };
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === "string" ? v : "";
}

/** The JSON object body, {} when empty, undefined when it is not a JSON object. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
