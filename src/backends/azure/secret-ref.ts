/**
 * The route's `--secret` for an azure-key-vault backend: `secret/<name>[/<version>][#field]` or
 * `certificate/<name>[/<version>]`. Names and versions are checked against Key Vault's own rules
 * (https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates) so a ref
 * can never steer the request to another path.
 */
import { SigilError } from "../../errors.js";

/** A parsed secret reference. */
export interface AzureSecretRef {
  readonly kind: "secret" | "certificate";
  /** Secret or certificate name: 1–127 letters, digits and dashes. */
  readonly name: string;
  /** A version id (32 hex digits); latest when absent. */
  readonly version?: string;
  /** JSON member to select (`#field`, secrets only). */
  readonly field?: string;
}

const REF = /^(secret|certificate)\/([0-9A-Za-z-]{1,127})(?:\/([0-9A-Fa-f]{32}))?(?:#(.+))?$/;

export function parseAzureSecretRef(ref: string): AzureSecretRef {
  const m = REF.exec(ref);
  if (!m) {
    throw new SigilError(
      "ERR_BACKEND_FAILED",
      "azure-key-vault secret ref must be secret/<name>[/<version>][#field] or certificate/<name>[/<version>]",
    );
  }
  const [, kind, name, version, field] = m as unknown as [
    string,
    AzureSecretRef["kind"],
    string,
    string?,
    string?,
  ];
  if (kind === "certificate" && field !== undefined) {
    throw new SigilError(
      "ERR_BACKEND_FAILED",
      "azure-key-vault certificate refs have no #field (they yield certificate and private_key)",
    );
  }
  return {
    kind,
    name,
    ...(version !== undefined ? { version } : {}),
    ...(field !== undefined ? { field } : {}),
  };
}
