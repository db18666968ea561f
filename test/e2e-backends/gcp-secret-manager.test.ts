/**
 * End to end for `gcp-secret-manager`: agent → Sigil Vault (in process, trusting the fake Google
 * CA through startProxy's backendCa) → Google token endpoint + Secret Manager fakes → HTTPS
 * upstream. The shared harness has no backendCa option, so the home is built here.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAgentToken, generateId } from "../../src/agents.js";
import { resolveHome, type HomePaths } from "../../src/config/home.js";
import { writeConfigFile } from "../../src/config/store.js";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { loadOrCreateDevKey, type DevKey } from "../../src/dev/keys.js";
import { createCa, writeCa, type CaPem } from "../../src/mitm/ca.js";
import { startProxy, type RunningProxy } from "../../src/proxy/app.js";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp-stack.js";
import { agentRequest } from "../helpers/agent-client.js";
import { expectErrorResponse, readAudit } from "../helpers/harness.js";
import { startUpstream, type Upstream } from "../helpers/upstream.js";
import { oneAgentConfig } from "./one-agent-config.js";

const HOST = "api.example.test";
const LATEST = "sk-gcp-e2e-latest-7d1c";
const DB = JSON.stringify({ username: "svc", password: "pw-gcp-e2e-41af" });
const AGENT = "agent-gcp";
const SECRETS = [LATEST, "pw-gcp-e2e-41af", "sk-gcp-e2e-old", "sk-gcp-e2e-tampered"];

let root: string;
let home: HomePaths;
let gcp: FakeGcp;
let upstream: Upstream;
let proxy: RunningProxy;
let ca: CaPem;
let key: DevKey;
const agentToken = generateAgentToken();
const logs: string[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), "sigil-gcp-e2e-"));
  await chmod(root, 0o700);
  home = resolveHome(root, {});
  gcp = await startFakeGcp();
  const sm = gcp.secretManager;
  sm.addSecret("api-key", ["sk-gcp-e2e-old", LATEST]);
  sm.addSecret("db", [DB]);
  sm.addSecret("tampered", [{ data: Buffer.from("sk-gcp-e2e-tampered"), corruptCrc: true }]);
  sm.addSecret("slow", ["never-served"]);
  upstream = await startUpstream();
  const upstreamCa = join(root, "upstream-ca.pem");
  await writeFile(upstreamCa, upstream.caPem);
  ca = createCa();
  await writeCa(home.caDir, ca);
  key = await loadOrCreateDevKey(join(root, "dev-key.json"));
  const agentId = generateId("agt");
  const route = (path: string, backend: string, secret: string, inject?: string) => ({
    id: generateId("rt"),
    agent_id: agentId,
    host: HOST,
    path,
    backend,
    secret,
    inject: inject ?? "header:Authorization=Bearer {value}",
    binding: "required" as const,
    upstream_ca: upstreamCa,
  });
  const cfg = oneAgentConfig(
    key,
    { id: agentId, name: AGENT, token: agentToken },
    [
      // The first fetch loads google-auth-library and grants a token: allow for loaded CI hosts.
      { name: "gcp", kind: "gcp-secret-manager", options: { ...gcp.options, timeout_ms: "5000" } },
      {
        name: "gcp-fast",
        kind: "gcp-secret-manager",
        options: { ...gcp.options, timeout_ms: "400" },
      },
    ],
    [
      route("/v1/*", "gcp", "api-key"),
      route(
        "/db/*",
        "gcp",
        "projects/sigil-test/secrets/db/versions/1#password",
        "header:x-db-pass={value}",
      ),
      route("/tampered", "gcp", "tampered"),
      route("/missing", "gcp", "no-such-secret"),
      route("/slow", "gcp-fast", "slow"),
    ],
  );
  writeConfigFile(home.config, cfg);
  proxy = await startProxy({
    home,
    listen: "127.0.0.1:0",
    resolve: { [`${HOST}:443`]: `127.0.0.1:${upstream.port}` },
    logger: { log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })) },
    env: {},
    backendCa: [gcp.pki.caPem],
  });
});

after(async () => {
  await proxy?.stop("test", 1000);
  await upstream?.close();
  await gcp?.close();
  await rm(root, { recursive: true, force: true });
});

async function send(path: string) {
  const url = `https://${HOST}${path}`;
  const { attestation, intent } = makeDevAttestation({
    key,
    agentName: AGENT,
    nowMs: Date.now(),
    method: "GET",
    url,
  });
  const before = upstream.requests.length;
  const res = await agentRequest({
    proxyPort: proxy.address.port,
    token: agentToken,
    host: HOST,
    ca: ca.certPem,
    path,
    headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
  });
  return { res, upstreamSaw: upstream.requests.slice(before) };
}

test("the upstream receives the latest version as the bearer credential", async () => {
  const { res, upstreamSaw } = await send("/v1/models");
  assert.equal(res.status, 200);
  assert.equal(upstreamSaw.length, 1);
  assert.equal(upstreamSaw[0]!.headers.authorization, `Bearer ${LATEST}`);
  const release = (await readAudit(home.auditDir)).find((r) => r.type === "release");
  assert.equal(release?.["backend"], "gcp");
  assert.equal(release?.["secretRef"], "api-key");
});

test("a pinned full resource name with #field injects just that field", async () => {
  const { res, upstreamSaw } = await send("/db/query");
  assert.equal(res.status, 200);
  assert.equal(upstreamSaw[0]!.headers["x-db-pass"], "pw-gcp-e2e-41af");
});

test("backend failures are 502 ERR_BACKEND_FAILED, audited, and forward nothing", async () => {
  for (const path of ["/tampered", "/missing"]) {
    const { res, upstreamSaw } = await send(path);
    const requestId = expectErrorResponse(res, 502, "ERR_BACKEND_FAILED");
    assert.deepEqual(upstreamSaw, [], path);
    const deny = (await readAudit(home.auditDir)).find((r) => r["requestId"] === requestId);
    assert.equal(deny?.type, "deny");
    assert.equal(deny?.["code"], "ERR_BACKEND_FAILED");
  }
});

test("a Secret Manager that never answers gives 504 within the backend timeout", async () => {
  gcp.secretManager.hang = true;
  try {
    const started = Date.now();
    const { res, upstreamSaw } = await send("/slow");
    expectErrorResponse(res, 504, "ERR_BACKEND_TIMEOUT");
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.deepEqual(upstreamSaw, []);
  } finally {
    gcp.secretManager.hang = false;
  }
});

test("no secret value reaches a response, a log line or the audit log", async () => {
  const audit = JSON.stringify(await readAudit(home.auditDir));
  for (const secret of SECRETS) {
    assert.ok(!audit.includes(secret), `audit holds ${secret}`);
    assert.ok(!logs.join("\n").includes(secret), `logs hold ${secret}`);
  }
});
