/**
 * Which Entra ID identity the backend signs in as. With `client_secret_env`: a client secret
 * (ClientSecretCredential). Otherwise the platform identity, chosen once and never silently
 * swapped: workload identity when AZURE_FEDERATED_TOKEN_FILE is set, else managed identity.
 * Everything is read from the environment passed in; see docs/backends/azure-key-vault.md for the
 * variables the SDK still reads from process.env on its own.
 */
import type { TokenCredential } from "@azure/identity";
import { SigilError } from "../../errors.js";
import type { AzurePipelineOptions } from "./transport.js";

type IdentityModule = typeof import("@azure/identity");

/** Identity options of an azure-key-vault backend. */
export interface AzureIdentitySettings {
  readonly tenantId?: string;
  readonly clientId?: string;
  /** Name of the environment variable holding the client secret. */
  readonly clientSecretEnv?: string;
  readonly authorityHost?: string;
}

const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";

export function createAzureCredential(
  identity: IdentityModule,
  settings: AzureIdentitySettings,
  env: NodeJS.ProcessEnv,
  pipeline: AzurePipelineOptions,
): TokenCredential {
  const authorityHost = settings.authorityHost ?? env["AZURE_AUTHORITY_HOST"] ?? DEFAULT_AUTHORITY;
  const tenantId = settings.tenantId ?? env["AZURE_TENANT_ID"];
  const clientId = settings.clientId ?? env["AZURE_CLIENT_ID"];
  if (settings.clientSecretEnv !== undefined) {
    const secret = env[settings.clientSecretEnv];
    if (!secret) throw failed(`environment variable ${settings.clientSecretEnv} is not set`);
    if (!tenantId || !clientId) throw failed("client_secret_env needs tenant_id and client_id");
    return new identity.ClientSecretCredential(tenantId, clientId, secret, {
      authorityHost,
      ...pipeline,
    });
  }
  const tokenFilePath = env["AZURE_FEDERATED_TOKEN_FILE"];
  if (tokenFilePath) {
    if (!tenantId || !clientId) {
      throw failed(
        "workload identity needs tenant_id and client_id (or AZURE_TENANT_ID/AZURE_CLIENT_ID)",
      );
    }
    return new identity.WorkloadIdentityCredential({
      tenantId,
      clientId,
      tokenFilePath,
      authorityHost,
      ...pipeline,
    });
  }
  return new identity.ManagedIdentityCredential({
    ...(clientId ? { clientId } : {}),
    ...pipeline,
  });
}

function failed(reason: string): SigilError {
  return new SigilError("ERR_BACKEND_FAILED", `azure-key-vault: ${reason}`);
}
