import { test, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { createAzureKeyVaultBackend } from "../../src/backends/azure-key-vault.js";
import { toAzureBackendError } from "../../src/backends/azure/errors.js";
import { SigilError } from "../../src/errors.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FEDERATED_ISSUER,
  FEDERATED_SUBJECT,
  FOREIGN_VAULT_HOST,
  TENANT_ID,
  VAULT_HOST,
  WORKLOAD_CLIENT_ID,
  startFakeAzure,
} from "../fakes/azure-cloud.js";

const fake = await startFakeAzure();
const dir = await mkdtemp(join(tmpdir(), "sigil-azure-"));
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
fake.vault.putSecret("api-key", "sk-azure");

const signal = new AbortController().signal;
const SECRET_OPTIONS = { tenant_id: TENANT_ID, client_id: CLIENT_ID, client_secret_env: "AZ" };
const failsWith = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SigilError && e.code === "ERR_BACKEND_FAILED", String(e));
  assert.match(e.message, re);
  return true;
};
const since = (from: number) =>
  fake.requests.slice(from).map((r) => `${r.method} ${r.host}${r.path}`);

/** A Kubernetes-style projected service account token, as AKS writes it for workload identity. */
async function federatedTokenFile(key = fake.federatedKey): Promise<string> {
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: "ES256" })
    .setIssuer(FEDERATED_ISSUER)
    .setSubject(FEDERATED_SUBJECT)
    .setAudience("api://AzureADTokenExchange")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key);
  const file = join(dir, `token-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, `${jwt}\n`);
  return file;
}

test("without client_secret_env, workload identity signs in with the federated token file", async () => {
  const env = {
    AZURE_FEDERATED_TOKEN_FILE: await federatedTokenFile(),
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_CLIENT_ID: WORKLOAD_CLIENT_ID,
  };
  const backend = createAzureKeyVaultBackend("kv", { vault_url: fake.vaultUrl }, fake.deps(env));
  const from = fake.requests.length;
  const cred = await backend.fetch("secret/api-key", { signal });
  assert.equal(cred.fields.get("value")?.toString(), "sk-azure");
  assert.deepEqual(since(from), [
    `GET ${VAULT_HOST}/secrets/api-key/`,
    `POST login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
    `GET ${VAULT_HOST}/secrets/api-key/`,
  ]);
});

test("workload identity fails when Entra ID rejects the assertion or ids are missing", async () => {
  const stranger = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  const file = await federatedTokenFile(stranger);
  const forged = createAzureKeyVaultBackend(
    "kv",
    { vault_url: fake.vaultUrl, tenant_id: TENANT_ID, client_id: WORKLOAD_CLIENT_ID },
    fake.deps({ AZURE_FEDERATED_TOKEN_FILE: file }),
  );
  await assert.rejects(
    forged.fetch("secret/api-key", { signal }),
    failsWith(/refused the sign-in: invalid_client AADSTS70021$/),
  );
  const anonymous = createAzureKeyVaultBackend(
    "kv",
    { vault_url: fake.vaultUrl },
    fake.deps({ AZURE_FEDERATED_TOKEN_FILE: file }),
  );
  await assert.rejects(
    anonymous.fetch("secret/api-key", { signal }),
    failsWith(/needs tenant_id and client_id/),
  );
});

test("authority_host sends the sign-in to a sovereign cloud's Entra ID", async () => {
  const backend = createAzureKeyVaultBackend(
    "kv",
    {
      vault_url: fake.vaultUrl,
      authority_host: "https://login.microsoftonline.us",
      ...SECRET_OPTIONS,
    },
    fake.deps({ AZ: CLIENT_SECRET }),
  );
  const from = fake.requests.length;
  await backend.fetch("secret/api-key", { signal });
  assert.ok(since(from).includes(`POST login.microsoftonline.us/${TENANT_ID}/oauth2/v2.0/token`));
});

test("an authority host Entra ID's instance discovery does not know is refused", async () => {
  const backend = createAzureKeyVaultBackend(
    "kv",
    { vault_url: fake.vaultUrl, authority_host: "https://login.example.test", ...SECRET_OPTIONS },
    fake.deps({ AZ: CLIENT_SECRET }),
  );
  const from = fake.requests.length;
  await assert.rejects(
    backend.fetch("secret/api-key", { signal }),
    failsWith(/no Azure identity is available endpoints_resolution_error/),
  );
  assert.ok(since(from).includes("GET login.microsoftonline.com/common/discovery/instance"));
  assert.ok(!since(from).some((r) => r.startsWith("POST")), "no secret was sent anywhere");
});

test("a challenge naming a resource outside the vault's domain is refused before any sign-in", async () => {
  const backend = createAzureKeyVaultBackend(
    "kv",
    { vault_url: `https://${FOREIGN_VAULT_HOST}`, ...SECRET_OPTIONS },
    fake.deps({ AZ: CLIENT_SECRET }),
  );
  const from = fake.requests.length;
  await assert.rejects(
    backend.fetch("secret/api-key", { signal }),
    failsWith(/challenge names a resource outside the vault URL's domain/),
  );
  assert.deepEqual(since(from), [`GET ${FOREIGN_VAULT_HOST}/secrets/api-key/`]);
});

test("the fake's certificate is not trusted without the extra CA: verification stays on", async () => {
  const deps = { ...fake.deps({ AZ: CLIENT_SECRET }), extraCa: [] };
  const backend = createAzureKeyVaultBackend(
    "kv",
    { vault_url: fake.vaultUrl, ...SECRET_OPTIONS },
    deps,
  );
  await assert.rejects(
    backend.fetch("secret/api-key", { signal }),
    failsWith(new RegExp(`could not reach ${VAULT_HOST.replace(/\./g, "\\.")} UNABLE_TO_VERIFY`)),
  );
});

test("SDK errors become a status-and-code summary that never copies the service's message", () => {
  const leak = "sk-LEAKED-in-a-message";
  const cases: [object, string][] = [
    [
      {
        name: "RestError",
        statusCode: 404,
        code: "SecretNotFound",
        message: leak,
        request: { url: `https://${VAULT_HOST}/secrets/x?api-version=7.6` },
      },
      `${VAULT_HOST} answered 404 SecretNotFound`,
    ],
    [
      {
        name: "RestError",
        code: "ECONNREFUSED",
        message: leak,
        request: { url: `https://${VAULT_HOST}/x` },
      },
      `could not reach ${VAULT_HOST} ECONNREFUSED`,
    ],
    [
      {
        name: "AuthenticationError",
        statusCode: 400,
        message: leak,
        errorResponse: { error: "invalid_request", errorDescription: `AADSTS90002: ${leak}` },
      },
      "Entra ID refused the sign-in: 400 invalid_request AADSTS90002",
    ],
    [{ name: "RestError", statusCode: 500, code: `bad code ${leak}` }, "Azure answered 500"],
    [
      { name: "CredentialUnavailableError", message: `ManagedIdentityCredential: ${leak}` },
      "no Azure identity is available",
    ],
    [new Error(leak), "the Azure request failed"],
  ];
  for (const [err, summary] of cases) {
    const e = toAzureBackendError(err, "kv");
    assert.equal(e.code, "ERR_BACKEND_FAILED");
    assert.equal(e.message, `azure-key-vault kv: ${summary}`);
  }
});
