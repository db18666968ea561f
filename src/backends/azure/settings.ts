/**
 * What an azure-key-vault backend's options mean, checked when the backend is added (and on every
 * config load) so a wrong option fails at the CLI rather than on an agent's request.
 */
import type { AzureIdentitySettings } from "./identity.js";

/** The `check` refinement for options.ts: a problem to report, or undefined. */
export function checkAzureOptions(o: Readonly<Record<string, string>>): string | undefined {
  if (!o["vault_url"]?.startsWith("https://")) {
    return "vault_url must be an https:// URL (Key Vault serves HTTPS only)";
  }
  if (o["authority_host"] !== undefined && !o["authority_host"].startsWith("https://")) {
    return "authority_host must be an https:// URL";
  }
  const secretEnv = o["client_secret_env"];
  if (secretEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv)) {
      return "client_secret_env must name an environment variable";
    }
    if (!o["tenant_id"] || !o["client_id"]) {
      return "client_secret_env requires tenant_id and client_id";
    }
  }
  return undefined;
}

/** The identity options, by the names the identity module uses. */
export function azureIdentitySettings(o: Readonly<Record<string, string>>): AzureIdentitySettings {
  return {
    tenantId: o["tenant_id"],
    clientId: o["client_id"],
    clientSecretEnv: o["client_secret_env"],
    authorityHost: o["authority_host"],
  };
}
