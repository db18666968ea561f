import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { createHashicorpVaultBackend } from "../../src/backends/hashicorp-vault.js";
import { SigilError } from "../../src/errors.js";
import { FAKE_VAULT_HOST } from "../fakes/hashicorp-vault.js";
import { ALL_PATHS, ctx, sigilError, startVaultFixture } from "./hashicorp-vault-fixture.js";

test("Vault's statuses map to ERR_BACKEND_FAILED with the status and a fixed summary", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: [...ALL_PATHS, "nomount/*"] });
  const backend = fx.backend({}, { VAULT_TOKEN: token });
  fx.fake.addDatabaseRole("database", "readonly");
  const cases: [string, RegExp][] = [
    ["private/x", /secret read failed \(HTTP 403 permission denied\)$/],
    ["secret/data/missing", /secret read failed \(HTTP 404 not found\)$/],
    ["nomount/x", /\(HTTP 404 no secrets engine or auth method is mounted at that path\)$/],
    ["database/creds/no-such-role", /secret read failed \(HTTP 400 invalid request\)$/],
  ];
  fx.fake.putKv2("secret", "other", { k: "v" });
  for (const [ref, message] of cases) {
    await assert.rejects(backend.fetch(ref, ctx()), sigilError("ERR_BACKEND_FAILED", message), ref);
  }
});

test("error reasons never carry Vault's error text, the token or the request's values", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  fx.fake.addPkiRole("pki", "agent", { allowedDomains: ["agents.internal"] });
  fx.fake.addDatabaseRole("database", "readonly");
  const leaky = "sk-live-in-a-common-name";
  const errors: unknown[] = [];
  const backend = fx.backend({}, { VAULT_TOKEN: token });
  for (const ref of [`pki/issue/agent?common_name=${leaky}.example`, `database/creds/${leaky}`]) {
    await backend.fetch(ref, ctx()).catch((e: unknown) => errors.push(e));
  }
  assert.equal(errors.length, 2);
  for (const e of errors) {
    assert.ok(e instanceof SigilError);
    for (const s of [leaky, token, "not allowed", "unknown role"]) {
      assert.ok(!e.message.includes(s), `${e.message} contains ${s}`);
    }
  }
});

test("a Vault that hangs: the caller's timeout rejects promptly with its own reason", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  fx.fake.setLatency(() => Infinity);
  const backend = fx.backend({ timeout_ms: "2000" }, { VAULT_TOKEN: token });
  const controller = new AbortController();
  const reason = new SigilError("ERR_BACKEND_TIMEOUT", "backend hv did not answer within 150 ms");
  setTimeout(() => controller.abort(reason), 150);
  const started = Date.now();
  await assert.rejects(
    backend.fetch("secret/data/x", { signal: controller.signal }),
    (e) => e === reason,
  );
  assert.ok(Date.now() - started < 1000, `rejected after ${Date.now() - started} ms`);
});

test("a Vault that hangs: without a caller deadline the backend's own timeout_ms applies", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  fx.fake.setLatency((path) => (path.startsWith("secret/") ? Infinity : undefined));
  const backend = fx.backend({ timeout_ms: "200" }, { VAULT_TOKEN: token });
  const started = Date.now();
  await assert.rejects(
    backend.fetch("secret/data/x", { signal: new AbortController().signal }),
    sigilError("ERR_BACKEND_TIMEOUT", /did not answer within 200 ms/),
  );
  const took = Date.now() - started;
  assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
});

test("a dynamic secret Vault issues after the caller gave up is revoked, not leaked", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  fx.fake.addDatabaseRole("database", "readonly");
  fx.fake.setLatency((path) => (path.startsWith("database/") ? 300 : undefined));
  const backend = fx.backend({ timeout_ms: "2000" }, { VAULT_TOKEN: token });
  await assert.rejects(
    backend.fetch("database/creds/readonly", { signal: AbortSignal.timeout(50) }),
  );
  for (const until = Date.now() + 3000; fx.fake.revocations.length === 0 && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(fx.fake.leases.size, 1, "Vault did issue the lease");
  assert.deepEqual(fx.fake.revocations, [...fx.fake.leases.keys()]);
});

test("an unreachable Vault and an untrusted certificate fail with the error class only", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const env = { VAULT_TOKEN: "hvs.some-token" };
  const down = createHashicorpVaultBackend(
    "hv",
    { vault_addr: `https://127.0.0.1:${port}` },
    { env },
  );
  t.after(() => down.close());
  await assert.rejects(
    down.fetch("kv/x", ctx()),
    sigilError("ERR_BACKEND_FAILED", /cannot reach Vault \(ECONNREFUSED\)$/),
  );
  const untrusted = createHashicorpVaultBackend("hv", { vault_addr: fx.fake.url }, { env });
  t.after(() => untrusted.close());
  await assert.rejects(
    untrusted.fetch("kv/x", ctx()),
    sigilError(
      "ERR_BACKEND_FAILED",
      /cannot reach Vault \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)$/,
    ),
  );
  assert.deepEqual(fx.fake.requests, [], "nothing was sent over the unverified connection");
});

test("ca_cert names a PEM file of extra trust roots for the Vault server", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  fx.fake.putKv1("kv", "x", { v: "trusted" });
  const caFile = await fx.file("vault-ca.pem", fx.fake.caPem);
  const options = { vault_addr: fx.fake.url, ca_cert: caFile };
  const backend = createHashicorpVaultBackend("hv", options, { env: { VAULT_TOKEN: token } });
  t.after(() => backend.close());
  assert.equal((await backend.fetch("kv/x#v", ctx())).fields.get("value")?.toString(), "trusted");
  const missing = createHashicorpVaultBackend(
    "hv",
    { ...options, ca_cert: "/nonexistent/ca.pem" },
    { env: { VAULT_TOKEN: token } },
  );
  await assert.rejects(
    missing.fetch("kv/x", ctx()),
    sigilError("ERR_BACKEND_FAILED", /cannot read ca_cert \(ENOENT\)/),
  );
});

test("the proxy's resolve map redirects the connection while TLS still verifies vault_addr's name", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  fx.fake.putKv1("kv", "x", { v: "via-resolve" });
  const port = Number(new URL(fx.fake.url).port);
  const deps = (name: string) => ({
    env: { VAULT_TOKEN: token },
    extraCa: [fx.fake.caPem],
    resolve: new Map([[`${name}:8200`, { host: "127.0.0.1", port }]]),
  });
  const mapped = createHashicorpVaultBackend(
    "hv",
    { vault_addr: `https://${FAKE_VAULT_HOST}:8200` },
    deps(FAKE_VAULT_HOST),
  );
  t.after(() => mapped.close());
  const cred = await mapped.fetch("kv/x#v", ctx());
  assert.equal(cred.fields.get("value")?.toString(), "via-resolve");
  assert.ok(fx.fake.requests.every((r) => r.host === `${FAKE_VAULT_HOST}:8200`));
  // A name the certificate does not carry is refused even though the address is the same.
  const wrongName = createHashicorpVaultBackend(
    "hv",
    { vault_addr: "https://other.example.test:8200" },
    deps("other.example.test"),
  );
  t.after(() => wrongName.close());
  await assert.rejects(
    wrongName.fetch("kv/x", ctx()),
    sigilError("ERR_BACKEND_FAILED", /cannot reach Vault \(ERR_TLS_CERT_ALTNAME_INVALID\)$/),
  );
});
