/**
 * The cloud SDKs are optional peer dependencies (src/optional-packages.ts): a default install does
 * not pull them (they were most of its size), and a backend of a cloud kind checks that its
 * packages load before it is created — at `start`, a reload, `backends test` and `doctor`.
 */
import { importPackage, requirePackages, type ImportModule } from "../optional-packages.js";
import type { BackendKind } from "./backend.js";

/**
 * The packages each cloud kind loads, at the versions tested (package.json's devDependencies pin
 * the same ones; test/structure/package.test.ts checks they agree).
 */
export const OPTIONAL_SDKS: Readonly<
  Partial<Record<BackendKind, Readonly<Record<string, string>>>>
> = {
  "aws-secrets-manager": {
    "@aws-sdk/client-secrets-manager": "3.1164.0",
    "@aws-sdk/credential-providers": "3.1175.0",
  },
  "aws-sts": {
    "@aws-sdk/client-sts": "3.1177.0",
    "@aws-sdk/credential-providers": "3.1175.0",
  },
  "azure-key-vault": {
    "@azure/identity": "4.13.1",
    "@azure/keyvault-secrets": "4.11.2",
  },
  "gcp-secret-manager": {
    "google-auth-library": "10.9.1",
  },
};

/** Resolves when every package `kind` needs loads; see requirePackages. */
export function requireBackendSdks(
  backend: string,
  kind: BackendKind,
  importModule: ImportModule = importPackage,
): Promise<void> {
  return requirePackages(`backend ${backend} (${kind})`, OPTIONAL_SDKS[kind] ?? {}, importModule);
}
