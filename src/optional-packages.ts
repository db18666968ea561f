/**
 * Optional peer dependencies: packages a default `npm install -g sigil-vault` does not pull (the
 * cloud SDKs, the Redis client), loaded only by the feature that needs them. A feature checks its
 * packages load before it starts; a missing one is ERR_CONFIG_INVALID naming the exact
 * `npm install -g` command, so the proxy refuses up front instead of failing each request.
 */
import { SigilError } from "./errors.js";

/** Loads a package by name: `import()` in production, injected by tests to simulate a missing one. */
export type ImportModule = (specifier: string) => Promise<unknown>;

export const importPackage: ImportModule = (specifier) => import(specifier);

/**
 * Resolves when every package (name → tested version) loads; rejects with ERR_CONFIG_INVALID
 * naming the missing ones and the command that installs them. Other load failures are rethrown.
 */
export async function requirePackages(
  user: string,
  packages: Readonly<Record<string, string>>,
  importModule: ImportModule = importPackage,
): Promise<void> {
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
    `${user} needs ${missing.join(", ")}, which ${missing.length === 1 ? "is" : "are"} not installed: run npm install -g ${install} (without -g next to a local install)`,
  );
}
