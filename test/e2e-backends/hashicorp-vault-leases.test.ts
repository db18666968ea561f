/**
 * Dynamic HashiCorp Vault leases are never fire-and-forget: a stream cut at shutdown has its lease
 * revoked before `stop()` returns, an agent that hangs up during the backend fetch gets its lease
 * revoked as soon as the fetch returns (not at the deadline), and a revocation that fails is
 * retried once, then logged and audited by lease id — never with the credential.
 */
import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { startFakeVault, type FakeVault } from "../fakes/hashicorp-vault.js";
import { startHarness, type Harness } from "../helpers/harness.js";

let fake: FakeVault;
let dir: string;
let caFile: string;
let h: Harness | undefined;

before(async () => {
  fake = await startFakeVault();
  dir = await mkdtemp(join(tmpdir(), "sigil-hv-leases-"));
  caFile = join(dir, "vault-ca.pem");
  await writeFile(caFile, fake.caPem);
  fake.addDatabaseRole("database", "readonly");
});

afterEach(async () => {
  fake.setLatency(undefined);
  fake.failRevocations(0);
  await h?.stop();
  h = undefined;
});

after(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<Harness> {
  const dynamic = { backend: "hv", secret: "database/creds/readonly", inject: "basic" };
  h = await startHarness({
    backends: [
      { name: "hv", kind: "hashicorp-vault", options: { vault_addr: fake.url, ca_cert: caFile } },
    ],
    routes: [
      { path: "/db/*", ...dynamic },
      { path: "/stream", ...dynamic },
      { path: "/nofield/*", ...dynamic, secret: "database/creds/readonly#token" },
    ],
    env: { VAULT_TOKEN: fake.addToken({ paths: ["database/creds/*", "sys/leases/revoke"] }) },
  });
  return h;
}

async function waitFor(pred: () => boolean, what: string, ms: number): Promise<void> {
  for (const until = Date.now() + ms; !pred(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
  }
}

/** The lease the fake issued most recently. */
const lastLease = () => [...fake.leases.values()].at(-1)!;

test("a stream cut at the shutdown drain has its lease revoked before stop() returns", async () => {
  const hx = await start();
  // A slow revocation: fire-and-forget would still be on the wire when stop() returned.
  fake.setLatency((path) => (path === "sys/leases/revoke" ? 300 : undefined));
  let headSeen!: () => void;
  const head = new Promise<void>((resolve) => (headSeen = resolve));
  const stream = hx.attested({ path: "/stream?ms=100&chunks=1000", onHead: () => headSeen() });
  stream.catch(() => undefined);
  await head;
  const lease = lastLease();
  await hx.stopProxy(300);
  assert.ok(fake.revocations.includes(lease.id), "revoked before stop() returned");
  const records = await hx.readAudit();
  const release = records.find((r) => r.type === "release" && r["leaseId"] === lease.id)!;
  const outcome = records.find(
    (r) => r.type === "outcome" && r["requestId"] === release["requestId"],
  );
  assert.equal(outcome?.["error"], "ERR_SHUTTING_DOWN");
  assert.equal(records.at(-1)?.type, "stop");
});

test("an agent that hangs up during the backend fetch has its lease revoked when the fetch returns", async () => {
  const hx = await start();
  fake.setLatency((path) => (path.startsWith("database/creds/") ? 800 : undefined));
  const upstreamBefore = hx.upstream.requests.length;
  const leasesBefore = fake.leases.size;
  const started = Date.now();
  await assert.rejects(hx.attested({ path: "/db/query", timeoutMs: 150 }));
  // The fetch returns at ~800 ms; the request deadline is 5 s and the idle timeout 120 s.
  const revoked = () =>
    fake.leases.size > leasesBefore && fake.revocations.includes(lastLease().id);
  await waitFor(revoked, "the lease revocation", 3000);
  const took = Date.now() - started;
  assert.ok(took < 3000, `revoked after ${took} ms`);
  assert.equal(hx.upstream.requests.length, upstreamBefore, "the upstream saw nothing");
  const records = await hx.readAudit();
  assert.equal(records.filter((r) => r.type === "release").length, 0, "nothing was released");
  const deny = await hx.waitForAudit((r) => r.type === "deny");
  assert.deepEqual(
    [deny["code"], deny["reason"]],
    ["ERR_UPSTREAM_FAILED", "the agent closed its connection before the response head"],
  );
});

test("a failing revocation is retried once, then logged and audited by lease id", async () => {
  const hx = await start();
  const attempts = fake.revokeAttempts.length;
  const revoked = fake.revocations.length;
  fake.failRevocations(2);
  const res = await hx.attested({ path: "/db/query" });
  assert.equal(res.status, 200);
  const auth = String(res.upstreamRequests[0]?.headers["authorization"]);
  const password = Buffer.from(auth.replace(/^Basic /, ""), "base64")
    .toString()
    .split(":")[1]!;
  const lease = lastLease();
  const record = await hx.waitForAudit((r) => r.type === "lease");
  const release = await hx.waitForAudit((r) => r.type === "release");
  assert.deepEqual(
    {
      action: record["action"],
      leaseId: record["leaseId"],
      backend: record["backend"],
      requestId: record["requestId"],
      code: record["code"],
    },
    {
      action: "revoke_failed",
      leaseId: lease.id,
      backend: "hv",
      requestId: release["requestId"],
      code: "ERR_BACKEND_FAILED",
    },
  );
  assert.deepEqual(fake.revokeAttempts.slice(attempts), [lease.id, lease.id], "one retry");
  assert.equal(fake.revocations.length, revoked);
  assert.equal(lease.revoked, false);
  const line = hx.logs.find((l) => l.includes('"lease revocation failed"'));
  assert.ok(line?.includes(lease.id), "the log line names the lease");
  const everything = hx.logs.join("\n") + JSON.stringify(await hx.readAudit());
  assert.ok(!everything.includes(password), "the credential is never logged or audited");
  await hx.stopProxy();
  assert.equal((await verifyAuditDir(hx.home.auditDir)).ok, true, "audit verify accepts it");
});

test("a revocation that fails once succeeds on its retry and leaves no lease record", async () => {
  const hx = await start();
  const attempts = fake.revokeAttempts.length;
  fake.failRevocations(1);
  const res = await hx.attested({ path: "/db/query" });
  assert.equal(res.status, 200);
  const lease = lastLease();
  await waitFor(() => fake.revocations.includes(lease.id), "the retried revocation", 3000);
  assert.deepEqual(fake.revokeAttempts.slice(attempts), [lease.id, lease.id]);
  await hx.stopProxy();
  assert.equal((await hx.readAudit()).filter((r) => r.type === "lease").length, 0);
});

test("a reply that cannot be used has its lease revoked, and a failed revocation audited", async () => {
  const hx = await start();
  fake.failRevocations(2);
  const res = await hx.attested({ path: "/nofield/x" });
  await hx.expectDenied(res, 502, "ERR_BACKEND_FAILED");
  const lease = lastLease();
  const record = await hx.waitForAudit((r) => r.type === "lease");
  assert.deepEqual(
    [record["action"], record["leaseId"], record["backend"]],
    ["revoke_failed", lease.id, "hv"],
  );
  assert.equal(record["requestId"], JSON.parse(res.body.toString()).error.requestId);
  fake.failRevocations(0);
  const again = await hx.attested({ path: "/nofield/y" });
  await hx.expectDenied(again, 502, "ERR_BACKEND_FAILED");
  await waitFor(() => fake.revocations.includes(lastLease().id), "the revocation", 3000);
});
