import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { ALL_PATHS, ctx, sigilError, startVaultFixture, text } from "./hashicorp-vault-fixture.js";

async function signJwt(key: KeyObject, alg: string, claims: Record<string, unknown> = {}) {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg })
    .setSubject("agent-sa")
    .setAudience("vault")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(key);
}

const KEYS = {
  RS256: () => generateKeyPairSync("rsa", { modulusLength: 2048 }),
  ES256: () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }),
  EdDSA: () => generateKeyPairSync("ed25519"),
} as const;

test("token auth reads VAULT_TOKEN by default, or token_env / token_file", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  fx.fake.putKv2("secret", "openai", { api_key: "sk-token-auth" });
  const token = fx.fake.addToken({ paths: ALL_PATHS });
  const cases: { options: Record<string, string>; env: NodeJS.ProcessEnv }[] = [
    { options: {}, env: { VAULT_TOKEN: token } },
    { options: { token_env: "MY_VAULT_TOKEN" }, env: { MY_VAULT_TOKEN: token } },
    { options: { token_file: await fx.file("token", `${token}\n`) }, env: {} },
  ];
  for (const c of cases) {
    const cred = await fx.backend(c.options, c.env).fetch("secret/data/openai#api_key", ctx());
    assert.equal(text(cred, "value"), "sk-token-auth");
  }
  const reads = fx.fake.requests.filter((r) => r.path === "secret/data/openai");
  assert.deepEqual(
    reads.map((r) => r.token),
    [token, token, token],
  );
});

test("token auth with no token configured fails without calling Vault", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  await assert.rejects(
    fx.backend({}, {}).fetch("secret/data/openai", ctx()),
    sigilError("ERR_BACKEND_FAILED", /VAULT_TOKEN is empty/),
  );
  assert.deepEqual(fx.fake.requests, []);
});

test("approle logs in with role_id and a secret id from secret_id_env or secret_id_file", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  fx.fake.putKv1("kv", "db", { password: "pw-approle" });
  fx.fake.addAppRole({ roleId: "role-1", secretId: "sid-1", grant: { paths: ALL_PATHS } });
  for (const options of [
    { secret_id_env: "SID" } as Record<string, string>,
    { secret_id_file: await fx.file("sid", "sid-1\n") },
  ]) {
    const backend = fx.backend(
      { auth_method: "approle", role_id: "role-1", ...options },
      { SID: "sid-1" },
    );
    assert.equal(text(await backend.fetch("kv/db#password", ctx()), "value"), "pw-approle");
  }
  const logins = fx.fake.requests.filter((r) => r.path === "auth/approle/login");
  assert.equal(logins.length, 2);
  assert.ok(
    logins.every((r) => r.token === undefined),
    "login carries no token",
  );
});

test("a wrong AppRole secret id is reported by Vault's fixed message only", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  fx.fake.addAppRole({ roleId: "role-1", secretId: "sid-1", grant: { paths: ALL_PATHS } });
  const backend = fx.backend(
    { auth_method: "approle", role_id: "role-1", secret_id_env: "SID" },
    { SID: "sid-wrong-secret" },
  );
  await assert.rejects(
    backend.fetch("kv/db", ctx()),
    sigilError("ERR_BACKEND_FAILED", /login failed \(HTTP 400 invalid role or secret ID\)/, [
      "sid-wrong-secret",
    ]),
  );
});

for (const alg of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
  test(`jwt auth logs in with a ${alg} JWT from jwt_file and the configured role`, async (t) => {
    const fx = await startVaultFixture();
    t.after(() => fx.close());
    const { privateKey, publicKey } = KEYS[alg]();
    fx.fake.addJwtRole("agent", { publicKey, audience: "vault", grant: { paths: ALL_PATHS } });
    fx.fake.putKv2("secret", "svc", { token: `tok-${alg}` });
    const jwtFile = await fx.file("jwt", await signJwt(privateKey, alg));
    const backend = fx.backend({ auth_method: "jwt", role: "agent", jwt_file: jwtFile });
    assert.equal(text(await backend.fetch("secret/data/svc#token", ctx()), "value"), `tok-${alg}`);
    assert.equal(fx.fake.logins, 1);
  });
}

test("jwt auth with a JWT the role's key did not sign is refused", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  fx.fake.addJwtRole("agent", { publicKey: KEYS.ES256().publicKey, grant: { paths: ALL_PATHS } });
  const jwt = await signJwt(KEYS.ES256().privateKey, "ES256");
  const backend = fx.backend({
    auth_method: "jwt",
    role: "agent",
    jwt_file: await fx.file("jwt", jwt),
  });
  await assert.rejects(
    backend.fetch("secret/data/svc", ctx()),
    sigilError("ERR_BACKEND_FAILED", /login failed \(HTTP 400 the login JWT was rejected\)/, [jwt]),
  );
});

test("kubernetes auth posts the service-account JWT to the kubernetes mount, or option mount", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const { privateKey, publicKey } = KEYS.RS256();
  const grant = { paths: ALL_PATHS };
  fx.fake.addJwtRole("agent", { publicKey, subject: "agent-sa", grant }, { kind: "kubernetes" });
  fx.fake.addJwtRole("agent", { publicKey, grant }, { kind: "kubernetes", mount: "k8s-east" });
  fx.fake.putKv1("kv", "x", { value: "v-k8s" });
  const jwtFile = await fx.file("sa", await signJwt(privateKey, "RS256"));
  for (const mount of [undefined, "k8s-east"]) {
    const backend = fx.backend({
      auth_method: "kubernetes",
      role: "agent",
      jwt_file: jwtFile,
      ...(mount ? { mount } : {}),
    });
    await backend.fetch("kv/x", ctx());
  }
  assert.deepEqual(
    fx.fake.requests.filter((r) => r.path.endsWith("/login")).map((r) => r.path),
    ["auth/kubernetes/login", "auth/k8s-east/login"],
  );
});

test("kubernetes auth with an unreadable service-account token fails naming the file error only", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const backend = fx.backend({
    auth_method: "kubernetes",
    role: "agent",
    jwt_file: "/nonexistent/sa",
  });
  await assert.rejects(
    backend.fetch("kv/x", ctx()),
    sigilError("ERR_BACKEND_FAILED", /cannot read the service-account JWT file \(ENOENT\)/),
  );
});

test("namespace is sent as X-Vault-Namespace on login, read and revocation", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  const ns = "team-a/prod";
  fx.fake.addAppRole(
    { roleId: "r", secretId: "s", grant: { paths: ALL_PATHS } },
    { namespace: ns },
  );
  fx.fake.addDatabaseRole("database", "readonly", ns);
  fx.fake.putKv2("secret", "openai", { api_key: "sk-root-ns" });
  const options = { auth_method: "approle", role_id: "r", secret_id_env: "SID" };
  const backend = fx.backend({ ...options, namespace: ns }, { SID: "s" });
  const cred = await backend.fetch("database/creds/readonly", ctx());
  await cred.release();
  assert.deepEqual(fx.fake.revocations, [cred.leaseId]);
  assert.ok(fx.fake.requests.length >= 3);
  assert.ok(fx.fake.requests.every((r) => r.namespace === ns));
  // The same role does not exist in the root namespace: the namespace really scopes the login.
  await assert.rejects(
    fx.backend(options, { SID: "s" }).fetch("secret/data/openai", ctx()),
    sigilError("ERR_BACKEND_FAILED", /login failed \(HTTP 400/),
  );
});
