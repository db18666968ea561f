/**
 * End to end through the real proxy: agent → Sigil Vault → fake HashiCorp Vault (trusted through
 * the backend's own `ca_cert` option) → local HTTPS upstream that records what it received.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { generateId } from "../../src/agents.js";
import { startFakeVault, type FakeVault } from "../fakes/hashicorp-vault.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";

const SECRET = "sk-hv-e2e-0123456789abcdef";
const MTLS_HOST = "mtls.example.test";
const ALL = ["secret/*", "database/creds/*", "pki/issue/*", "sys/leases/revoke"];

let fake: FakeVault;
let h: Harness;
let dir: string;
let pkiCaPem: string;

before(async () => {
  fake = await startFakeVault();
  dir = await mkdtemp(join(tmpdir(), "sigil-hv-e2e-"));
  const caFile = join(dir, "vault-ca.pem");
  await writeFile(caFile, fake.caPem);
  fake.putKv2("secret", "openai", { api_key: SECRET });
  fake.addDatabaseRole("database", "readonly");
  pkiCaPem = fake.addPkiRole("pki", "agent", { allowedDomains: ["agents.internal"] });
  fake.setLatency((path) => (path.startsWith("secret/data/slow") ? Infinity : undefined));
  const vault = { vault_addr: fake.url, ca_cert: caFile };
  const dynamic = { backend: "hv", secret: "database/creds/readonly", inject: "basic" };
  h = await startHarness({
    backends: [
      { name: "hv", kind: "hashicorp-vault", options: vault },
      { name: "hv-slow", kind: "hashicorp-vault", options: { ...vault, timeout_ms: "300" } },
    ],
    routes: [
      { path: "/v1/*", backend: "hv", secret: "secret/data/openai#api_key" },
      { path: "/db/*", ...dynamic },
      { path: "/stream", ...dynamic },
      { path: "/broken/*", ...dynamic, upstreamCa: false },
      { path: "/hang/*", backend: "hv-slow", secret: "secret/data/slow#k" },
    ],
    env: { VAULT_TOKEN: fake.addToken({ paths: ALL }) },
  });
});

after(async () => {
  await h?.stop();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(pred: () => boolean, what: string, ms = 4000): Promise<void> {
  for (const until = Date.now() + ms; !pred(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
  }
}

test("a KV v2 secret is injected as the upstream's Authorization header and never shown to the agent", async () => {
  const res = await h.attested({ path: "/v1/chat" });
  assert.equal(res.status, 200);
  assert.equal(res.upstreamRequests.length, 1);
  assert.equal(res.upstreamRequests[0]!.headers["authorization"], `Bearer ${SECRET}`);
  assert.ok(!res.body.toString().includes(SECRET));
  const release = await h.waitForAudit((r) => r.type === "release" && r["route"] !== undefined);
  assert.equal(release["backend"], "hv");
  assert.equal(release["secretRef"], "secret/data/openai#api_key");
  assert.equal(release["leaseId"], undefined);
  assert.ok(fake.requests.some((r) => r.path === "secret/data/openai"));
});

test("a dynamic database credential is used once and its lease revoked after the response", async () => {
  const res = await h.attested({ path: "/db/query" });
  assert.equal(res.status, 200);
  const auth = String(res.upstreamRequests[0]?.headers["authorization"]);
  const [username] = Buffer.from(auth.replace(/^Basic /, ""), "base64")
    .toString()
    .split(":");
  const lease = [...fake.leases.values()].find((l) => l.username === username);
  assert.ok(lease, "the upstream got the credential Vault issued");
  const release = await h.waitForAudit((r) => r.type === "release" && r["leaseId"] === lease.id);
  assert.equal(release["path"], "/db/query");
  await waitFor(() => fake.revocations.includes(lease.id), "the lease revocation");
});

test("the lease is revoked when the upstream fails after the release", async () => {
  const before = fake.leases.size;
  const res = await h.attested({ path: "/broken/x" });
  assert.equal(res.status, 502);
  assert.equal(res.headers["x-sigil-error"], "ERR_UPSTREAM_FAILED");
  assert.equal(fake.leases.size, before + 1);
  const lease = [...fake.leases.keys()].at(-1)!;
  await waitFor(() => fake.revocations.includes(lease), "the lease revocation");
});

test("the lease is revoked when the agent hangs up mid-response", async () => {
  const before = fake.leases.size;
  await assert.rejects(h.attested({ path: "/stream?ms=200&chunks=50", timeoutMs: 500 }));
  assert.equal(fake.leases.size, before + 1, "the credential was released to this request");
  const lease = [...fake.leases.keys()].at(-1)!;
  await waitFor(() => fake.revocations.includes(lease), "the lease revocation", 2000);
});

test("a Vault that never answers: 504 within the backend's timeout_ms and the upstream sees nothing", async () => {
  const started = Date.now();
  const res = await h.attested({ path: "/hang/x" });
  const took = Date.now() - started;
  await h.expectDenied(res, 504, "ERR_BACKEND_TIMEOUT");
  assert.ok(took < 2000, `answered after ${took} ms`);
});

test("mtls: a certificate issued by Vault's PKI is the client certificate the upstream requires", async (t) => {
  const serverPki = createTestPki();
  const leaf = serverPki.issue([MTLS_HOST]);
  const seen: string[] = [];
  const server: Server = createServer(
    {
      key: leaf.keyPem,
      cert: leaf.certPem,
      ca: pkiCaPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
      res.end(JSON.stringify({ ok: true }));
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  const caFile = join(dir, "mtls-upstream-ca.pem");
  await writeFile(caFile, serverPki.caPem);
  const cn = "agent-a.agents.internal";
  await h.updateConfig((cfg) => {
    cfg.proxy.resolve = {
      ...cfg.proxy.resolve,
      [`${MTLS_HOST}:443`]: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    };
    const route = (path: string, inject: string) => ({
      id: generateId("rt"),
      agent_id: h.agent.id,
      host: MTLS_HOST,
      path,
      backend: "hv",
      secret: `pki/issue/agent?common_name=${cn}&ttl=5m`,
      inject,
      binding: "optional" as const,
      upstream_ca: caFile,
    });
    cfg.routes.push(route("/whoami", "mtls"), route("/no-cert", "header:X-Cert={certificate}"));
  });
  const ok = await h.attested({ host: MTLS_HOST, path: "/whoami" });
  assert.equal(ok.status, 200, ok.body.toString());
  assert.deepEqual(seen, [cn]);
  const refused = await h.attested({ host: MTLS_HOST, path: "/no-cert" });
  assert.equal(refused.status, 502, "without the client certificate the upstream refuses");
  assert.deepEqual(seen, [cn]);
});
