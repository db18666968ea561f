import { test } from "node:test";
import assert from "node:assert/strict";
import { BACKEND_KINDS, type BackendKind } from "../../src/backends/backend.js";
import { backendTimeoutMs, validateBackendOptions } from "../../src/backends/options.js";
import { SigilError } from "../../src/errors.js";

const valid: Record<BackendKind, Record<string, string>> = {
  env: {},
  "hashicorp-vault": {
    vault_addr: "https://vault.internal:8200",
    auth_method: "approle",
    role_id: "r",
    secret_id_file: "/run/sid",
  },
  "aws-secrets-manager": { region: "eu-west-1" },
  "aws-sts": { region: "eu-west-1", role_arn: "arn:aws:iam::1:role/x", duration_seconds: "900" },
  "azure-key-vault": { vault_url: "https://kv.vault.azure.net", tenant_id: "t", client_id: "c" },
  "gcp-secret-manager": { project: "p", credentials_file: "/sa.json" },
};

for (const kind of BACKEND_KINDS) {
  test(`valid options for ${kind} are accepted`, () => {
    validateBackendOptions(kind, valid[kind]);
  });
}

const usage = (e: unknown) => e instanceof SigilError && e.code === "ERR_USAGE";

for (const [name, kind, opts] of [
  ["an unknown option", "env", { vault_addr: "x" }],
  ["a missing required option", "aws-sts", { region: "x" }],
  ["a non-URL address", "hashicorp-vault", { vault_addr: "vault:8200" }],
  [
    "approle without a secret id source",
    "hashicorp-vault",
    { vault_addr: "https://v", auth_method: "approle", role_id: "r" },
  ],
  [
    "an unknown auth method",
    "hashicorp-vault",
    { vault_addr: "https://v", auth_method: "password" },
  ],
  ["a timeout above the 5 s cap", "env", { timeout_ms: "6000" }],
  ["a secret passed inline", "hashicorp-vault", { vault_addr: "https://v", token: "s.123" }],
  [
    "an STS duration out of range",
    "aws-sts",
    { region: "r", role_arn: "a", duration_seconds: "60" },
  ],
] as const) {
  test(`${name} is a usage error`, () => {
    assert.throws(() => validateBackendOptions(kind, opts), usage);
  });
}

test("the per-call timeout defaults to 2 s", () => {
  assert.equal(backendTimeoutMs({}), 2000);
  assert.equal(backendTimeoutMs({ timeout_ms: "250" }), 250);
});
