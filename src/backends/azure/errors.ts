/**
 * Turns what the Azure SDK throws into ERR_BACKEND_FAILED with a summary: who answered, the HTTP
 * status and the service's error code (e.g. `404 SecretNotFound`, `invalid_client
 * AADSTS7000215`). Service messages are never copied: they may echo request details.
 */
import { SigilError } from "../../errors.js";

interface SdkError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  request?: { url?: unknown };
  errorResponse?: { error?: unknown; errorDescription?: unknown };
}

export function toAzureBackendError(err: unknown, backend: string): SigilError {
  if (err instanceof SigilError) return err;
  return new SigilError("ERR_BACKEND_FAILED", `azure-key-vault ${backend}: ${summarise(err)}`);
}

function summarise(err: unknown): string {
  const e = (typeof err === "object" && err !== null ? err : {}) as SdkError;
  switch (e.name) {
    case "RestError":
      return typeof e.statusCode === "number"
        ? `${hostOf(e.request?.url)} answered ${e.statusCode}${word(e.code)}`
        : `could not reach ${hostOf(e.request?.url)}${word(e.code)}`;
    case "AuthenticationError":
    case "AuthenticationRequiredError": {
      // MSAL's server errors arrive as "invalid_client: Error(s): 7000215 - … AADSTS7000215: …";
      // identity's own HTTP errors carry statusCode and the parsed {error, error_description}.
      const status = typeof e.statusCode === "number" ? ` ${e.statusCode}` : "";
      const code = e.errorResponse?.error ?? msalCode(e.message);
      const text = `${String(e.errorResponse?.errorDescription ?? "")} ${String(e.message ?? "")}`;
      const aadsts = /\bAADSTS\d+\b/.exec(text)?.[0];
      return `Entra ID refused the sign-in:${status}${word(code)}${word(aadsts)}`;
    }
    case "CredentialUnavailableError":
      return `no Azure identity is available${word(msalCode(e.message))}`;
  }
  if (typeof e.message === "string" && e.message.startsWith("The challenge resource")) {
    return "Key Vault's challenge names a resource outside the vault URL's domain";
  }
  return "the Azure request failed";
}

/** MSAL prefixes its messages with a snake_case code ("endpoints_resolution_error: …"). */
function msalCode(message: unknown): string | undefined {
  return typeof message === "string" ? /^([a-z]+(?:_[a-z]+)+):/.exec(message)?.[1] : undefined;
}

/** " CODE" for an identifier-like code; nothing for anything else (it might not be safe to show). */
function word(code: unknown): string {
  return typeof code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` ${code}` : "";
}

function hostOf(url: unknown): string {
  try {
    return typeof url === "string" ? new URL(url).host : "Azure";
  } catch {
    return "Azure";
  }
}
