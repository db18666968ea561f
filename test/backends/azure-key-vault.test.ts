import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createAzureKeyVaultBackend } from "../../src/backends/azure-key-vault.js";
import { validateBackendOptions } from "../../src/backends/options.js";
import { SigilError } from "../../src/errors.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT_ID,
  VAULT_HOST,
  startFakeAzure,
} from "../fakes/azure-cloud.js";

const fake = await startFakeAzure();
after(() => fake.close());

const signal = new AbortController().signal;
const OPTIONS = {
  vault_url: fake.vaultUrl,
  tenant_id: TENANT_ID,
  client_id: CLIENT_ID,
  client_secret_env: "AZ_SECRET",
};
const backend = (options: Record<string, string> = {}, env = { AZ_SECRET: CLIENT_SECRET }) =>
  createAzureKeyVaultBackend("kv", { ...OPTIONS, ...options }, fake.deps(env));
const valueOf = async (b: ReturnType<typeof backend>, ref: string) =>
  (await b.fetch(ref, { signal })).fields.get("value")?.toString("utf8");
const failsWith =
  (code: string, ...parts: RegExp[]) =>
  (e: unknown) => {
    assert.ok(e instanceof SigilError, String(e));
    assert.equal(e.code, code);
    for (const p of parts) assert.match(e.message, p);
    assert.ok(!e.message.includes(CLIENT_SECRET), "the client secret must not appear");
    return true;
  };
const since = (from: number) =>
  fake.requests
    .slice(from)
    .map((r) => `${r.method} ${r.host}${r.path}${r.bearer ? " +bearer" : ""}`);

fake.vault.putSecret("api-key", "sk-first");
const latest = fake.vault.putSecret("api-key", "sk-second");
fake.vault.putSecret("db-login", JSON.stringify({ username: "app", password: "pw-123" }));

test("the first fetch answers Key Vault's 401 challenge with an Entra ID client-secret sign-in", async () => {
  const from = fake.requests.length;
  const issued = fake.entra.tokensIssued;
  assert.equal(await valueOf(backend(), "secret/api-key"), "sk-second");
  assert.deepEqual(since(from), [
    `GET ${VAULT_HOST}/secrets/api-key/`,
    `POST login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
    `GET ${VAULT_HOST}/secrets/api-key/ +bearer`,
  ]);
  assert.equal(fake.entra.tokensIssued, issued + 1);
});

test("a ref with a version reads that version; without one, the latest", async () => {
  const b = backend();
  const first = fake.vault.putSecret("rotating", "v1");
  fake.vault.putSecret("rotating", "v2");
  assert.equal(await valueOf(b, `secret/rotating/${first}`), "v1");
  assert.equal(await valueOf(b, "secret/rotating"), "v2");
  assert.equal(await valueOf(b, `secret/api-key/${latest}`), "sk-second");
});

test("a JSON secret yields one field per member and #field selects one as value", async () => {
  const b = backend();
  const all = await b.fetch("secret/db-login", { signal });
  assert.deepEqual([...all.fields.keys()].sort(), ["password", "username", "value"]);
  assert.equal(await valueOf(b, "secret/db-login#password"), "pw-123");
  await assert.rejects(
    b.fetch("secret/db-login#nope", { signal }),
    failsWith("ERR_BACKEND_FAILED"),
  );
});

test("the access token is cached across fetches while the secret is read every time", async () => {
  const b = backend();
  await b.fetch("secret/api-key", { signal });
  const issued = fake.entra.tokensIssued;
  const reads = fake.vault.authorizedReads;
  const from = fake.requests.length;
  fake.vault.putSecret("api-key", "sk-third");
  assert.equal(await valueOf(b, "secret/api-key"), "sk-third");
  assert.equal(await valueOf(b, "secret/api-key"), "sk-third");
  assert.equal(fake.entra.tokensIssued, issued, "no new sign-in");
  assert.equal(fake.vault.authorizedReads, reads + 2, "two reads with the cached bearer");
  assert.deepEqual(since(from), Array(2).fill(`GET ${VAULT_HOST}/secrets/api-key/ +bearer`));
});

test("release zeroes every field buffer", async () => {
  const cred = await backend().fetch("secret/db-login", { signal });
  const buffers = [...cred.fields.values()];
  await cred.release();
  for (const b of buffers) assert.ok(b.every((byte) => byte === 0));
});

test("a wrong client secret fails with Entra ID's error code, never the secret", async () => {
  const b = backend({}, { AZ_SECRET: `${CLIENT_SECRET}-wrong` });
  await assert.rejects(
    b.fetch("secret/api-key", { signal }),
    failsWith("ERR_BACKEND_FAILED", /refused the sign-in: invalid_client AADSTS7000215/),
  );
});

test("service refusals are summarised as status and Key Vault error code", async () => {
  fake.vault.putSecret("disabled", "x", { enabled: false });
  const cases: [string, RegExp][] = [
    ["secret/missing", /answered 404 SecretNotFound/],
    [`secret/api-key/${"0".repeat(32)}`, /answered 404 SecretNotFound/],
    ["secret/disabled", /answered 403 Forbidden/],
  ];
  const b = backend();
  for (const [ref, reason] of cases) {
    await assert.rejects(b.fetch(ref, { signal }), failsWith("ERR_BACKEND_FAILED", reason), ref);
  }
});

test("a caller without a role assignment on the vault gets 403 Forbidden", async () => {
  fake.vault.allowClients(["someone-else"]);
  try {
    await assert.rejects(
      backend().fetch("secret/api-key", { signal }),
      failsWith("ERR_BACKEND_FAILED", /answered 403 Forbidden/),
    );
  } finally {
    fake.vault.allowClients(undefined);
  }
});

test("malformed refs and a missing secret variable fail before any request", async () => {
  const from = fake.requests.length;
  for (const ref of [
    "api-key",
    "secret/",
    "secret/a/b",
    "secret/a_b",
    "secret/../x",
    "certificate/c#f",
    "key/k",
  ]) {
    await assert.rejects(backend().fetch(ref, { signal }), failsWith("ERR_BACKEND_FAILED"), ref);
  }
  await assert.rejects(
    backend({}, {} as { AZ_SECRET: string }).fetch("secret/api-key", { signal }),
    failsWith("ERR_BACKEND_FAILED", /AZ_SECRET is not set/),
  );
  assert.deepEqual(since(from), []);
});

test("a vault that never answers is abandoned when the signal fires", async () => {
  const b = backend();
  await b.fetch("secret/api-key", { signal });
  fake.vault.hang = true;
  try {
    const started = Date.now();
    const timeout = new SigilError(
      "ERR_BACKEND_TIMEOUT",
      "backend kv did not answer within 300 ms",
    );
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(timeout), 300);
    await assert.rejects(b.fetch("secret/api-key", { signal: ctrl.signal }), (e) => e === timeout);
    await assert.rejects(
      b.fetch("secret/api-key", { signal: AbortSignal.timeout(200) }),
      failsWith("ERR_BACKEND_TIMEOUT"),
    );
    assert.ok(Date.now() - started < 2000, "bounded by the signals");
  } finally {
    fake.vault.hang = false;
  }
});

test("backends add refuses options that could never work, naming the problem", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ vault_url: "http://kv.vault.azure.net" }, /vault_url must be an https/],
    [{ vault_url: fake.vaultUrl, authority_host: "http://login.example" }, /authority_host/],
    [{ vault_url: fake.vaultUrl, client_secret_env: "AZ" }, /requires tenant_id and client_id/],
    [{ ...OPTIONS, client_secret_env: "not a var" }, /must name an environment variable/],
  ];
  for (const [options, reason] of cases) {
    assert.throws(
      () => validateBackendOptions("azure-key-vault", options),
      (e: unknown) => e instanceof SigilError && e.code === "ERR_USAGE" && reason.test(e.message),
    );
  }
  validateBackendOptions("azure-key-vault", OPTIONS);
  validateBackendOptions("azure-key-vault", { vault_url: fake.vaultUrl });
});
