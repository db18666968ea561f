/**
 * The cloud SDKs are optional peers: with the package present a cloud backend opens (the backend
 * suites exercise it end to end); with it missing, opening the backend — as `start`, a reload and
 * `backends test` do — is ERR_CONFIG_INVALID naming the package and the command that installs it.
 * A missing package is simulated by an injected loader, never by touching node_modules.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { openBackend } from "../../src/backends/index.js";
import { OPTIONAL_SDKS, requireBackendSdks } from "../../src/backends/optional-sdk.js";
import type { ImportModule } from "../../src/optional-packages.js";
import { compileConfig } from "../../src/config/compile.js";
import { emptyConfig } from "../../src/config/schema.js";
import { SigilError } from "../../src/errors.js";
import { buildState } from "../../src/proxy/runtime.js";

/** Loads packages for real, except `missing`, which fails as Node reports an absent package. */
function without(...missing: string[]): ImportModule & { asked: string[] } {
  const asked: string[] = [];
  const load = async (specifier: string) => {
    asked.push(specifier);
    if (missing.includes(specifier)) {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), {
        code: "ERR_MODULE_NOT_FOUND",
      });
    }
    return import(specifier);
  };
  return Object.assign(load, { asked });
}

function configError(expected: string) {
  return (err: unknown) => {
    assert.ok(err instanceof SigilError, String(err));
    assert.equal(err.code, "ERR_CONFIG_INVALID");
    assert.ok(err.reason.includes(expected), err.reason);
    return true;
  };
}

test("every cloud kind's packages load from the install the tests run in", async () => {
  for (const kind of Object.keys(OPTIONAL_SDKS) as (keyof typeof OPTIONAL_SDKS)[]) {
    await requireBackendSdks("b", kind);
  }
});

test("a missing SDK package is ERR_CONFIG_INVALID naming the exact install command", async () => {
  const load = without("@azure/identity");
  await assert.rejects(
    openBackend(
      "kv",
      "azure-key-vault",
      { vault_url: "https://v.vault.azure.net" },
      { env: {}, importModule: load },
    ),
    configError(
      "backend kv (azure-key-vault) needs @azure/identity, which is not installed: run npm install -g @azure/identity@4.13.1",
    ),
  );
  // Both packages were checked, so one message lists everything missing, not the first only.
  assert.deepEqual(load.asked, ["@azure/identity", "@azure/keyvault-secrets"]);
  await assert.rejects(
    requireBackendSdks(
      "s",
      "aws-sts",
      without("@aws-sdk/client-sts", "@aws-sdk/credential-providers"),
    ),
    configError(
      "run npm install -g @aws-sdk/client-sts@3.1177.0 @aws-sdk/credential-providers@3.1175.0",
    ),
  );
  await assert.rejects(
    requireBackendSdks("g", "gcp-secret-manager", without("google-auth-library")),
    configError("npm install -g google-auth-library@10.9.1"),
  );
});

test("kinds with no optional SDK never load one", async () => {
  const load = without();
  await openBackend("e", "env", {}, { env: {}, importModule: load });
  const vault = await openBackend(
    "h",
    "hashicorp-vault",
    { vault_addr: "https://vault.example.test" },
    { env: {}, importModule: load },
  );
  assert.equal(vault.kind, "hashicorp-vault");
  assert.deepEqual(load.asked, []);
});

test("a load failure other than a missing package is not reported as one", async () => {
  const broken: ImportModule = async () => {
    throw new SyntaxError("Unexpected token");
  };
  await assert.rejects(requireBackendSdks("g", "gcp-secret-manager", broken), SyntaxError);
});

test("the proxy refuses to build a runtime with a cloud backend whose SDK is missing", async () => {
  const file = emptyConfig();
  file.backends.push({
    name: "gsm",
    kind: "gcp-secret-manager",
    options: { project: "p" },
  });
  const config = compileConfig(file);
  const deps = { env: {}, nowMs: Date.now };
  await assert.rejects(
    buildState(config, undefined, {
      ...deps,
      backendDeps: { importModule: without("google-auth-library") },
    }),
    configError("backend gsm (gcp-secret-manager) needs google-auth-library"),
  );
  const state = await buildState(config, undefined, {
    ...deps,
    backendDeps: { importModule: without() },
  });
  assert.equal(state.backends.get("gsm")?.kind, "gcp-secret-manager");
});
