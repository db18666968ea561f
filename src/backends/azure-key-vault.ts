/**
 * The `azure-key-vault` backend (spec §7): secrets (optionally a version and `#field`) and
 * certificates (PEM bundle → `certificate`, `ca_chain`, `private_key`, for mtls), read per request
 * through the Azure SDK's SecretClient, so Key Vault's 401 bearer challenge, the Entra ID sign-in
 * and the SDK's challenge-resource check all run as in production. The SDK is loaded when a backend of
 * this kind is created; the Entra ID access token is cached by the SDK (it is not the
 * credential), the secret never is.
 */
import type { SecretClient } from "@azure/keyvault-secrets";
import type { ResolveTarget } from "../config/resolve.js";
import { abortError } from "./abort.js";
import { SigilError } from "../errors.js";
import { createAzureCredential } from "./azure/identity.js";
import { toAzureBackendError } from "./azure/errors.js";
import { splitPemBundle } from "./azure/pem-bundle.js";
import { parseAzureSecretRef, type AzureSecretRef } from "./azure/secret-ref.js";
import { azureIdentitySettings } from "./azure/settings.js";
import { createAzurePipelineOptions } from "./azure/transport.js";
import { createCredential, type Backend, type Credential } from "./backend.js";
import type { BackendDeps } from "./deps.js";
import { credentialFromBytes } from "./fields.js";

/** BackendDeps plus address overrides for Azure's host names (tests point them at local fakes). */
export interface AzureKeyVaultDeps extends BackendDeps {
  /** "host:port" → where to connect instead, like `--resolve`; TLS still verifies the name. */
  resolve?: ReadonlyMap<string, ResolveTarget>;
}

type Sdk = [typeof import("@azure/identity"), typeof import("@azure/keyvault-secrets")];
type FetchedSecret = Awaited<ReturnType<SecretClient["getSecret"]>>;

let sdk: Promise<Sdk> | undefined;

/** Loads @azure/identity and @azure/keyvault-secrets once per process, when first needed. */
function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([import("@azure/identity"), import("@azure/keyvault-secrets")]).catch(
    (err: unknown) => {
      sdk = undefined;
      throw err;
    },
  );
  return sdk;
}

export function createAzureKeyVaultBackend(
  name: string,
  options: Readonly<Record<string, string>>,
  deps: AzureKeyVaultDeps,
): Backend {
  const settings = azureIdentitySettings(options);
  // Configured means about to be used: start loading the SDK now, off the first request's clock.
  loadSdk().catch(() => undefined);
  let client: Promise<SecretClient> | undefined;
  const pipeline = createAzurePipelineOptions(deps.extraCa, deps.resolve);
  const open = async (): Promise<SecretClient> => {
    const [identity, secrets] = await loadSdk();
    const credential = createAzureCredential(identity, settings, deps.env, pipeline);
    return new secrets.SecretClient(options["vault_url"] ?? "", credential, pipeline);
  };
  return {
    name,
    kind: "azure-key-vault",
    // Our agent, when extra roots or --resolve made one; otherwise the SDK's shared default.
    close: async () => pipeline.agent?.destroy(),
    async fetch(secretRef, ctx) {
      const ref = parseAzureSecretRef(secretRef);
      try {
        client ??= open().catch((err: unknown) => {
          client = undefined;
          throw err;
        });
        const secret = await (
          await client
        ).getSecret(ref.name, {
          ...(ref.version !== undefined ? { version: ref.version } : {}),
          abortSignal: ctx.signal,
        });
        return toCredential(ref, secret);
      } catch (err) {
        if (ctx.signal.aborted) {
          throw abortError(ctx.signal.reason, `azure-key-vault ${name}: no answer in time`);
        }
        throw toAzureBackendError(err, name);
      }
    },
  };
}

/** The fetched secret as credential fields; the SDK's string is the only copy we cannot zero. */
function toCredential(ref: AzureSecretRef, secret: FetchedSecret): Credential {
  if (secret.value === undefined) throw failed(`${ref.kind} ${ref.name} has no value`);
  const raw = Buffer.from(secret.value, "utf8");
  if (ref.kind === "secret") return createCredential(credentialFromBytes(raw, ref.field));
  try {
    const contentType = secret.properties.contentType;
    if (secret.properties.managed !== true) {
      throw failed(`${ref.name} is a plain secret, not a certificate (use secret/${ref.name})`);
    }
    if (contentType === "application/x-pkcs12") {
      throw failed(
        `certificate ${ref.name} is stored as PKCS#12; sigil-vault needs a certificate policy with content type application/x-pem-file`,
      );
    }
    if (contentType !== "application/x-pem-file") {
      throw failed(`certificate ${ref.name} has an unsupported content type`);
    }
    const parts = splitPemBundle(raw);
    const fields = new Map([
      ["certificate", parts.certificate],
      ["private_key", parts.privateKey],
    ]);
    if (parts.caChain) fields.set("ca_chain", parts.caChain);
    return createCredential(fields);
  } finally {
    raw.fill(0);
  }
}

function failed(reason: string): SigilError {
  return new SigilError("ERR_BACKEND_FAILED", `azure-key-vault: ${reason}`);
}
