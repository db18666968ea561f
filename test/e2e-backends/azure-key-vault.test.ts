/**
 * End to end: agent → Sigil Vault → azure-key-vault backend (through the fake Key Vault and
 * Entra ID) → local HTTPS upstream that records the credential it received.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAgentToken, generateId } from "../../src/agents.js";
import { resolveHome } from "../../src/config/home.js";
import { writeConfigFile } from "../../src/config/store.js";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { loadOrCreateDevKey } from "../../src/dev/keys.js";
import { createCa, writeCa } from "../../src/mitm/ca.js";
import { startProxy } from "../../src/proxy/app.js";
import { CLIENT_ID, CLIENT_SECRET, TENANT_ID, startFakeAzure } from "../fakes/azure-cloud.js";
import { agentRequest } from "../helpers/agent-client.js";
import { expectErrorResponse, readAudit } from "../helpers/harness.js";
import { startUpstream } from "../helpers/upstream.js";
import { oneAgentConfig } from "./one-agent-config.js";

const API_HOST = "api.example.test";
const AGENT = "agent-az";
const SECRET_VALUE = "sk-azure-e2e-7c1f0b9d2e";
const ENV = { AZ_SECRET: CLIENT_SECRET };

const fake = await startFakeAzure();
const upstream = await startUpstream();
const root = await mkdtemp(join(tmpdir(), "sigil-azure-e2e-"));
await chmod(root, 0o700);
const home = resolveHome(root, {});
const ca = createCa();
await writeCa(home.caDir, ca);
const devKey = await loadOrCreateDevKey(join(root, "dev-key.json"));
const upstreamCa = join(root, "upstream-ca.pem");
await writeFile(upstreamCa, upstream.caPem);
const token = generateAgentToken();
const agentId = generateId("agt");
const backendOptions = {
  vault_url: fake.vaultUrl,
  tenant_id: TENANT_ID,
  client_id: CLIENT_ID,
  client_secret_env: "AZ_SECRET",
  timeout_ms: "1500",
};
const route = (path: string, secret: string) => ({
  id: generateId("rt"),
  agent_id: agentId,
  host: API_HOST,
  path,
  backend: "kv",
  secret,
  inject: "header:Authorization=Bearer {value}",
  binding: "optional" as const,
  upstream_ca: upstreamCa,
});
const cfg = oneAgentConfig(
  devKey,
  { id: agentId, name: AGENT, token },
  [{ name: "kv", kind: "azure-key-vault", options: backendOptions }],
  [route("/v1/*", "secret/api-key"), route("/missing/*", "secret/no-such-secret")],
);
writeConfigFile(home.config, cfg);
fake.vault.putSecret("api-key", SECRET_VALUE);

const logs: string[] = [];
// The proxy's own wiring reaches the fake: `--resolve` entries for Azure's real host names (the
// proxy hands its resolve map to backends, TLS still verifying the names) and the fake's CA.
const azureResolve = Object.fromEntries(
  [...(fake.deps().resolve ?? [])].map(([hostPort, t]) => [hostPort, `${t.host}:${t.port}`]),
);
const proxy = await startProxy({
  home,
  listen: "127.0.0.1:0",
  resolve: { [`${API_HOST}:443`]: `127.0.0.1:${upstream.port}`, ...azureResolve },
  logger: { log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })) },
  env: ENV,
  backendCa: [fake.caPem],
});

after(async () => {
  await proxy.stop("test", 1000);
  await Promise.all([fake.close(), upstream.close()]);
  await rm(root, { recursive: true, force: true });
});

async function send(path: string) {
  const { attestation, intent } = makeDevAttestation({
    key: devKey,
    agentName: AGENT,
    nowMs: Date.now(),
    method: "GET",
    url: `https://${API_HOST}${path}`,
  });
  const before = upstream.requests.length;
  const res = await agentRequest({
    proxyPort: proxy.address.port,
    token,
    host: API_HOST,
    ca: ca.certPem,
    path,
    headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
  });
  return { ...res, upstream: upstream.requests.slice(before) };
}

test("the agent's request reaches the upstream with the Key Vault secret injected", async () => {
  for (let i = 0; i < 2; i++) {
    const res = await send(`/v1/models?i=${i}`);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.upstream.length, 1);
    assert.equal(res.upstream[0]!.headers.authorization, `Bearer ${SECRET_VALUE}`);
    assert.ok(!res.body.toString().includes(SECRET_VALUE));
  }
  assert.equal(fake.entra.tokensIssued, 1, "one sign-in serves both requests");
  const releases = (await readAudit(home.auditDir)).filter((r) => r.type === "release");
  assert.equal(releases.at(-1)?.["backend"], "kv");
  assert.ok(!JSON.stringify(await readAudit(home.auditDir)).includes(SECRET_VALUE));
  assert.ok(!logs.join("\n").includes(SECRET_VALUE));
});

test("a secret Key Vault does not have is a 502 and the upstream sees nothing", async () => {
  const res = await send("/missing/x");
  expectErrorResponse(res, 502, "ERR_BACKEND_FAILED");
  assert.deepEqual(res.upstream, []);
});

test("a vault that never answers is a 504 at the backend timeout", async () => {
  fake.vault.hang = true;
  try {
    const started = Date.now();
    const res = await send("/v1/slow");
    expectErrorResponse(res, 504, "ERR_BACKEND_TIMEOUT");
    assert.deepEqual(res.upstream, []);
    const ms = Date.now() - started;
    assert.ok(ms >= 1400 && ms < 4000, `answered after ${ms} ms (timeout_ms 1500)`);
    const deny = (await readAudit(home.auditDir)).filter((r) => r.type === "deny").at(-1);
    assert.equal(deny?.["code"], "ERR_BACKEND_TIMEOUT");
  } finally {
    fake.vault.hang = false;
  }
});
