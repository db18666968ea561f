import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { UnusedLeaseError } from "../../src/backends/backend.js";
import { ALL_PATHS, ctx, sigilError, startVaultFixture, text } from "./hashicorp-vault-fixture.js";

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  return { fx, backend: fx.backend({}, { VAULT_TOKEN: token }) };
}

test("KV v2: #field selects one key of data.data and also makes it the value", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv2("secret", "openai", { api_key: "sk-v2-one", org: "org-1" });
  const cred = await backend.fetch("secret/data/openai#api_key", ctx());
  assert.equal(text(cred, "value"), "sk-v2-one");
  assert.equal(text(cred, "org"), "org-1");
  assert.ok(!cred.fields.has("metadata"), "metadata is not part of the secret");
  assert.equal(cred.leaseId, undefined);
});

test("KV v2: ?version=N reads that version, the default is the latest", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv2("secret", "rotating", { key: "old" });
  fx.fake.putKv2("secret", "rotating", { key: "new" });
  assert.equal(text(await backend.fetch("secret/data/rotating#key", ctx()), "value"), "new");
  const old = await backend.fetch("secret/data/rotating?version=1#key", ctx());
  assert.equal(text(old, "value"), "old");
  assert.ok(fx.fake.requests.some((r) => r.path === "secret/data/rotating?version=1"));
});

test("KV v2: a deleted version and a missing secret are 404s", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv2("secret", "gone", { key: "x" });
  fx.fake.deleteKv2Version("secret", "gone", 1);
  for (const ref of [
    "secret/data/gone",
    "secret/data/never-written",
    "secret/data/gone?version=7",
  ]) {
    await assert.rejects(
      backend.fetch(ref, ctx()),
      sigilError("ERR_BACKEND_FAILED", /secret read failed \(HTTP 404 not found\)/),
    );
  }
});

test("KV v1: the values are data itself", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv1("kv", "openai", { api_key: "sk-v1", data: "not-nested" });
  const cred = await backend.fetch("kv/openai#api_key", ctx());
  assert.equal(text(cred, "value"), "sk-v1");
  assert.equal(text(cred, "data"), "not-nested");
});

test("without #field every key is a field and value is the whole JSON object", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv2("secret", "db", { username: "u1", password: "p1", port: 5432 });
  const cred = await backend.fetch("secret/data/db", ctx());
  assert.deepEqual([...cred.fields.keys()].sort(), ["password", "port", "username", "value"]);
  assert.equal(text(cred, "port"), "5432");
  assert.deepEqual(JSON.parse(text(cred, "value")!), {
    username: "u1",
    password: "p1",
    port: "5432",
  });
});

test("a missing #field fails naming the field, never a value", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv2("secret", "openai", { api_key: "sk-not-this-one" });
  await assert.rejects(
    backend.fetch("secret/data/openai#apikey", ctx()),
    sigilError("ERR_BACKEND_FAILED", /no field "apikey"/, ["sk-not-this-one"]),
  );
});

test("release zeroes every field buffer", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.putKv2("secret", "openai", { api_key: "sk-zero-me" });
  const cred = await backend.fetch("secret/data/openai#api_key", ctx());
  const buffers = [...cred.fields.values()];
  await cred.release();
  for (const b of buffers) assert.ok(b.every((x) => x === 0));
});

test("dynamic secrets carry the lease id and their lease is revoked on release, once", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.addDatabaseRole("database", "readonly");
  const cred = await backend.fetch("database/creds/readonly", ctx());
  assert.match(cred.leaseId ?? "", /^database\/creds\/readonly\/[0-9a-f-]{36}$/);
  assert.match(text(cred, "username") ?? "", /^v-token-readonly-/);
  assert.ok((text(cred, "password") ?? "").length > 10);
  assert.deepEqual(fx.fake.revocations, []);
  await cred.release();
  await cred.release();
  assert.deepEqual(fx.fake.revocations, [cred.leaseId]);
  const revoke = fx.fake.requests.filter((r) => r.path === "sys/leases/revoke");
  assert.deepEqual(
    revoke.map((r) => r.method),
    ["PUT"],
  );
});

test("a dynamic secret that cannot be used (missing field) hands its lease back to revoke", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.addDatabaseRole("database", "readonly");
  let failure: unknown;
  await assert.rejects(
    backend.fetch("database/creds/readonly#token", ctx()).catch((err: unknown) => {
      failure = err;
      throw err;
    }),
    sigilError("ERR_BACKEND_FAILED", /no field "token"/),
  );
  assert.ok(failure instanceof UnusedLeaseError, "the caller gets the lease to revoke");
  const lease = [...fx.fake.leases.values()][0]!;
  assert.equal(failure.unused.leaseId, lease.id);
  assert.equal(failure.unused.fields.size, 0, "no credential value travels with it");
  await failure.unused.release();
  assert.deepEqual(fx.fake.revocations, [lease.id]);
});

test("a failed revocation is retried once, then rejects release without leaking the credential", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ["database/creds/*"] });
  fx.fake.addDatabaseRole("database", "readonly");
  const cred = await fx.backend({}, { VAULT_TOKEN: token }).fetch("database/creds/readonly", ctx());
  const password = text(cred, "password")!;
  await assert.rejects(
    cred.release(),
    sigilError("ERR_BACKEND_FAILED", /lease revocation failed \(HTTP 403 permission denied\)/, [
      password,
      token,
    ]),
  );
  const attempts = fx.fake.requests.filter((r) => r.path === "sys/leases/revoke");
  assert.equal(attempts.length, 2, "one attempt and one retry");
});

test("PKI issue POSTs the query as JSON and yields certificate, private_key and ca_chain", async (t) => {
  const { fx, backend } = await setup(t);
  const caPem = fx.fake.addPkiRole("pki", "agent", { allowedDomains: ["agents.internal"] });
  const cred = await backend.fetch("pki/issue/agent?common_name=a1.agents.internal&ttl=5m", ctx());
  const issue = fx.fake.requests.find((r) => r.path.startsWith("pki/issue/agent"));
  assert.equal(issue?.method, "POST");
  assert.equal(issue?.path, "pki/issue/agent", "the query travels in the body, not the URL");
  const cert = new X509Certificate(text(cred, "certificate")!);
  const ca = new X509Certificate(caPem);
  assert.ok(cert.verify(ca.publicKey), "issued by the engine's CA");
  assert.match(cert.subject, /CN=a1\.agents\.internal/);
  const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
  assert.ok(lifetime <= 5 * 60_000 + 60_000, `short-lived (${lifetime} ms)`);
  assert.ok(cert.checkPrivateKey(createPrivateKey(text(cred, "private_key")!)));
  assert.equal(text(cred, "ca_chain"), ca.toString());
  assert.equal(cred.leaseId, undefined);
});

test("PKI issue for a name the role does not allow fails without echoing Vault's message", async (t) => {
  const { fx, backend } = await setup(t);
  fx.fake.addPkiRole("pki", "agent", { allowedDomains: ["agents.internal"] });
  await assert.rejects(
    backend.fetch("pki/issue/agent?common_name=evil.example", ctx()),
    sigilError("ERR_BACKEND_FAILED", /certificate issue failed \(HTTP 400 invalid request\)/, [
      "evil.example",
    ]),
  );
});

test("refs that could expose Vault's own token or escape the path are refused before any call", async (t) => {
  const { fx, backend } = await setup(t);
  for (const ref of [
    "auth/token/lookup-self#id",
    "sys/leases/lookup",
    "ns1/sys/leases/lookup",
    "ns1/team-a/auth/token/lookup-self#id",
    "ns1/auth/approle/role/agent/secret-id",
    "secret/../auth/token/lookup-self",
    "/secret/data/x",
    "secret//data",
    "",
    "secret/data/x#",
  ]) {
    await assert.rejects(
      backend.fetch(ref, ctx()),
      sigilError("ERR_BACKEND_FAILED", /secret ref/),
      ref,
    );
  }
  assert.deepEqual(fx.fake.requests, []);
});
