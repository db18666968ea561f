/**
 * The cloud SDKs are optional peer dependencies: a default `npm install -g sigil-vault` does not
 * pull them (they are most of the install's size), and a backend of a cloud kind checks that its
 * packages load before it is created. A missing one is a configuration fault naming the exact
 * `npm install -g` command, so `start` (or a reload, or `backends test`) refuses up front instead of
 * failing each request.
 */
import { SigilError } from "../errors.js";
import type { BackendKind } from "./backend.js";

/** Loads a package by name: `import()` in production, injected by tests to simulate a missing one. */
export type ImportModule = (specifier: string) => Promise<unknown>;

export const importPackage: ImportModule = (specifier) => import(specifier);

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

/**
 * Resolves when every package `kind` needs loads; rejects with ERR_CONFIG_INVALID naming the
 * missing ones and the command that installs them. Other load failures are rethrown as they are.
 */
export async function requireBackendSdks(
  backend: string,
  kind: BackendKind,
  importModule: ImportModule = importPackage,
): Promise<void> {
  const packages = OPTIONAL_SDKS[kind] ?? {};
  const missing: string[] = [];
  for (const name of Object.keys(packages)) {
    try {
      await importModule(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
      missing.push(name);
    }
  }
  if (missing.length === 0) return;
  const install = missing.map((name) => `${name}@${packages[name]}`).join(" ");
  throw new SigilError(
    "ERR_CONFIG_INVALID",
    `backend ${backend} (${kind}) needs ${missing.join(", ")}, which ${missing.length === 1 ? "is" : "are"} not installed: run npm install -g ${install} (without -g next to a local install)`,
  );
}
