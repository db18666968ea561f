/**
 * Backend kind → factory. TypeScript checks the table covers every kind; adding a backend is one
 * module plus one line here. Each module loads its vendor SDK lazily, on first use, so a process
 * that configures no cloud backend never loads one.
 */
import { BACKEND_KINDS, type Backend, type BackendKind } from "./backend.js";
import type { BackendDeps } from "./deps.js";
import { createAwsSecretsManagerBackend } from "./aws-secrets-manager.js";
import { createAwsStsBackend } from "./aws-sts.js";
import { createAzureKeyVaultBackend } from "./azure-key-vault.js";
import { createEnvBackend } from "./env.js";
import { createGcpSecretManagerBackend } from "./gcp-secret-manager.js";
import { createHashicorpVaultBackend } from "./hashicorp-vault.js";
import { requireBackendSdks } from "./optional-sdk.js";

export type { BackendDeps } from "./deps.js";

type Factory = (
  name: string,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
) => Backend;

const FACTORIES: Record<BackendKind, Factory> = {
  env: (name, options, deps) => createEnvBackend(name, options, deps.env),
  "hashicorp-vault": createHashicorpVaultBackend,
  "aws-secrets-manager": createAwsSecretsManagerBackend,
  "aws-sts": createAwsStsBackend,
  "azure-key-vault": createAzureKeyVaultBackend,
  "gcp-secret-manager": createGcpSecretManagerBackend,
};

export function isBackendKind(kind: string): kind is BackendKind {
  return (BACKEND_KINDS as readonly string[]).includes(kind);
}

export function createBackend(
  name: string,
  kind: BackendKind,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
): Backend {
  return FACTORIES[kind](name, options, deps);
}

/** createBackend, after checking that the kind's optional SDK packages are installed. */
export async function openBackend(
  name: string,
  kind: BackendKind,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
): Promise<Backend> {
  await requireBackendSdks(name, kind, deps.importModule);
  return createBackend(name, kind, options, deps);
}
