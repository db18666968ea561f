/**
 * A Vault for the AWS end-to-end tests: a throwaway home with one agent, the caller's AWS
 * backends and routes, the fake services' CA as backend trust (startProxy `backendCa`, which the
 * shared harness does not pass), every route host resolved to its local upstream, and an
 * attested request helper. Kept here rather than widening test/helpers/harness.ts.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAgentToken, generateId } from "../../src/agents.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { resolveHome } from "../../src/config/home.js";
import type { BackendEntry, RouteEntry } from "../../src/config/schema.js";
import { writeConfigFile } from "../../src/config/store.js";
import { encodeBase64url } from "../../src/attestation/base64url.js";
import { canonicalize, pgCommit } from "../../src/canonical-json.js";
import { DEV_FRAMEWORK, makeDevAttestation } from "../../src/dev/attest.js";
import type { DevKey } from "../../src/dev/keys.js";
import { signAttestation } from "../../src/dev/token.js";
import { createCa, writeCa } from "../../src/mitm/ca.js";
import { startProxy } from "../../src/proxy/app.js";
import { agentRequest, type AgentResponse } from "../helpers/agent-client.js";
import { readAudit, sleep } from "../helpers/harness.js";
import { oneAgentConfig } from "./one-agent-config.js";

/** A route in this setup's terms; the upstream is where `host:443` resolves. */
export interface AwsRoute {
  host: string;
  path: string;
  backend: string;
  secret?: string;
  inject: string;
  /** JSON text of an inline session policy (written to a file for the route). */
  sessionPolicy?: string;
  upstreamPort: number;
  /** PEM of the CA that issued the upstream's certificate. */
  upstreamCaPem: string;
  /** Default optional. */
  binding?: RouteEntry["binding"];
  methods?: string[];
  awsOperations?: string[];
}

export interface AwsVaultOptions {
  backends: BackendEntry[];
  routes: AwsRoute[];
  /** Environment of the Vault process (base AWS credentials). */
  env: Record<string, string>;
  /** Trust roots for backend endpoints (the fake services' CA). */
  backendCa: string[];
}

export interface AgentCall {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Request headers the intent pins (`metadata.headers`). */
  pin?: Record<string, string>;
}

export async function startAwsVault(opts: AwsVaultOptions) {
  const root = await mkdtemp(join(tmpdir(), "sigil-aws-e2e-"));
  await chmod(root, 0o700);
  const home = resolveHome(root, {});
  const ca = createCa();
  await writeCa(home.caDir, ca);
  const key = makeDevKey();
  const agent = { id: generateId("agt"), name: "agent-a", token: generateAgentToken() };
  const routes: RouteEntry[] = [];
  const resolve: Record<string, string> = {};
  for (const [i, r] of opts.routes.entries()) {
    const caFile = join(root, `upstream-ca-${i}.pem`);
    await writeFile(caFile, r.upstreamCaPem);
    let policyFile: string | undefined;
    if (r.sessionPolicy !== undefined) {
      policyFile = join(root, `policy-${i}.json`);
      await writeFile(policyFile, r.sessionPolicy);
    }
    routes.push({
      id: generateId("rt"),
      agent_id: agent.id,
      host: r.host,
      path: r.path,
      backend: r.backend,
      ...(r.secret !== undefined ? { secret: r.secret } : {}),
      inject: r.inject,
      binding: r.binding ?? "optional",
      ...(r.methods ? { methods: r.methods } : {}),
      ...(r.awsOperations ? { aws_operations: r.awsOperations } : {}),
      upstream_ca: caFile,
      ...(policyFile ? { session_policy: policyFile } : {}),
    });
    resolve[`${r.host}:443`] = `127.0.0.1:${r.upstreamPort}`;
  }
  const cfg = oneAgentConfig(key, agent, opts.backends, routes);
  writeConfigFile(home.config, cfg);
  const logs: string[] = [];
  const proxy = await startProxy({
    home,
    listen: "127.0.0.1:0",
    resolve,
    logger: { log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })) },
    env: opts.env,
    backendCa: opts.backendCa,
  }).catch(async (err: unknown) => {
    await rm(root, { recursive: true, force: true });
    throw err;
  });

  return {
    logs,
    /** An attested request through the proxy, bound to its method, URL, body and pinned headers. */
    request(host: string, path: string, call: AgentCall = {}): Promise<AgentResponse> {
      const method = call.method ?? "GET";
      const body = call.body ?? Buffer.alloc(0);
      const { attestation, intent } = attest(key, agent.name, {
        method,
        url: `https://${host}${path}`,
        ...(body.length > 0
          ? { body_sha256: createHash("sha256").update(body).digest("hex") }
          : {}),
        ...(call.pin ? { metadata: { headers: call.pin } } : {}),
      });
      return agentRequest({
        proxyPort: proxy.address.port,
        token: agent.token,
        host,
        ca: ca.certPem,
        method,
        path,
        headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent!, ...call.headers },
        ...(body.length > 0 ? { body } : {}),
      });
    },
    audit: (): Promise<AuditRecord[]> => readAudit(home.auditDir),
    /** The first audit record matching `pred`, waiting for lazily written outcome/deny records. */
    async waitForAudit(pred: (r: AuditRecord) => boolean, timeoutMs = 3000): Promise<AuditRecord> {
      for (const until = Date.now() + timeoutMs; ; await sleep(20)) {
        const hit = (await readAudit(home.auditDir)).find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error("expected audit record did not appear");
      }
    },
    async stop() {
      await proxy.stop("test", 1000).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The dev attestation for an intent; with `metadata` the intent is built here (dev attest pins no headers). */
function attest(
  key: DevKey,
  agentName: string,
  fields: { method: string; url: string; body_sha256?: string; metadata?: object },
): { attestation: string; intent?: string } {
  const nowMs = Date.now();
  if (fields.metadata === undefined) {
    const { method, url, body_sha256: bodySha256 } = fields;
    return makeDevAttestation({
      key,
      agentName,
      nowMs,
      method,
      url,
      ...(bodySha256 ? { bodySha256 } : {}),
    });
  }
  const intent = { action: "http", ...fields, nonce: randomUUID() };
  const txCommit = pgCommit(intent);
  const iat = Math.floor(nowMs / 1000);
  return {
    attestation: signAttestation(key, {
      agentId: agentName,
      framework: DEV_FRAMEWORK,
      txCommit,
      iat,
    }),
    intent: encodeBase64url(canonicalize(intent)),
  };
}

function makeDevKey(): DevKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  const { x, d } = privateKey.export({ format: "jwk" }) as { x: string; d: string };
  const kid = `aws-e2e-${randomBytes(4).toString("hex")}`;
  return { kid, privateKey, jwk: { kty: "OKP", crv: "Ed25519", x, d, kid } };
}
