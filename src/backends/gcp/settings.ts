/**
 * The `gcp-secret-manager` options, checked once when the backend is added or the config loads
 * (through KIND_OPTIONS) and turned into settings by the factory. Both endpoints must be https:
 * the token endpoint receives a signed assertion and Secret Manager returns the secret.
 */
import { SigilError } from "../../errors.js";
import { PROJECT_ID } from "./secret-ref.js";

/** Parsed options of one `gcp-secret-manager` backend. */
export interface GcpSettings {
  /** Project for short references (`<secret>[@<version>]`). */
  readonly project: string;
  /** Service-account JSON file; else GOOGLE_APPLICATION_CREDENTIALS, else the metadata server. */
  readonly credentialsFile?: string;
  /** Secret Manager REST root, default https://secretmanager.googleapis.com. */
  readonly endpoint: URL;
  /** OAuth 2.0 token endpoint override (wins over the key file's `token_uri`). */
  readonly tokenUri?: URL;
}

export const DEFAULT_ENDPOINT = "https://secretmanager.googleapis.com";

/** The KIND_OPTIONS refinement: a reason when the options are unusable, else undefined. */
export function checkGcpOptions(o: Readonly<Record<string, string>>): string | undefined {
  if (!PROJECT_ID.test(o["project"] ?? "")) return "project must be a GCP project id or number";
  for (const key of ["endpoint", "token_uri"]) {
    const v = o[key];
    if (v !== undefined && !isHttpsUrl(v)) return `${key} must be an https:// URL`;
  }
  return undefined;
}

/** Settings from already-validated options; throws ERR_CONFIG_INVALID if they were not. */
export function readGcpSettings(o: Readonly<Record<string, string>>): GcpSettings {
  const problem = checkGcpOptions(o);
  if (problem) throw new SigilError("ERR_CONFIG_INVALID", problem);
  const file = o["credentials_file"];
  const tokenUri = o["token_uri"];
  return {
    project: o["project"]!,
    endpoint: new URL(o["endpoint"] ?? DEFAULT_ENDPOINT),
    ...(file ? { credentialsFile: file } : {}),
    ...(tokenUri ? { tokenUri: new URL(tokenUri) } : {}),
  };
}

export function isHttpsUrl(v: string): boolean {
  try {
    return new URL(v).protocol === "https:";
  } catch {
    return false;
  }
}
