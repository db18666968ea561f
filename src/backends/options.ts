/**
 * What each backend kind accepts in `backends add --options`. Checked when a backend is added and
 * on every config load, so a typo fails at the CLI rather than on an agent's request. Options name
 * where login material lives (env var, file, ambient identity) — never the secret itself.
 */
import { SigilError } from "../errors.js";
import { checkAzureOptions } from "./azure/settings.js";
import type { BackendKind } from "./backend.js";
import { checkGcpOptions } from "./gcp/settings.js";

interface KindOptions {
  required: readonly string[];
  optional: readonly string[];
  check?: (opts: Readonly<Record<string, string>>) => string | undefined;
}

const TIMEOUT = "timeout_ms";

export const KIND_OPTIONS: Record<BackendKind, KindOptions> = {
  env: { required: [], optional: ["var", "prefix", TIMEOUT] },
  "hashicorp-vault": {
    required: ["vault_addr"],
    optional: [
      "auth_method",
      "token_env",
      "token_file",
      "role_id",
      "secret_id_env",
      "secret_id_file",
      "jwt_file",
      "role",
      "mount",
      "namespace",
      "ca_cert",
      TIMEOUT,
    ],
    check: checkHashicorp,
  },
  "aws-secrets-manager": { required: ["region"], optional: ["endpoint", "profile", TIMEOUT] },
  "aws-sts": {
    required: ["region", "role_arn"],
    optional: ["external_id", "duration_seconds", "session_name", "endpoint", "profile", TIMEOUT],
    check: (o) =>
      o["duration_seconds"] !== undefined && !intIn(o["duration_seconds"], 900, 43200)
        ? "duration_seconds must be an integer from 900 to 43200"
        : undefined,
  },
  "azure-key-vault": {
    required: ["vault_url"],
    optional: ["tenant_id", "client_id", "client_secret_env", "authority_host", TIMEOUT],
    check: checkAzureOptions,
  },
  "gcp-secret-manager": {
    required: ["project"],
    optional: ["credentials_file", "endpoint", "token_uri", TIMEOUT],
    check: checkGcpOptions,
  },
};

const URL_OPTIONS = ["vault_addr", "endpoint", "vault_url", "authority_host", "token_uri"];

/** Throws ERR_USAGE naming the first problem with a backend's options. */
export function validateBackendOptions(
  kind: BackendKind,
  opts: Readonly<Record<string, string>>,
): void {
  const spec = KIND_OPTIONS[kind];
  const allowed = new Set([...spec.required, ...spec.optional]);
  for (const key of Object.keys(opts)) {
    if (!allowed.has(key)) {
      throw usage(`unknown option "${key}" for kind ${kind} (allowed: ${[...allowed].join(", ")})`);
    }
  }
  for (const key of spec.required) {
    if (!opts[key]) throw usage(`kind ${kind} requires option "${key}"`);
  }
  for (const key of URL_OPTIONS) {
    const v = opts[key];
    if (v !== undefined && !/^https?:\/\/[^\s/]+/.test(v))
      throw usage(`${key} must be an http(s) URL`);
  }
  const timeout = opts[TIMEOUT];
  if (timeout !== undefined && !intIn(timeout, 1, 5000)) {
    throw usage("timeout_ms must be an integer from 1 to 5000 (the request cap is 5 s)");
  }
  const problem = spec.check?.(opts);
  if (problem) throw usage(problem);
}

/** Per-call timeout for a backend: `timeout_ms`, default 2 s (spec §7). */
export function backendTimeoutMs(opts: Readonly<Record<string, string>>): number {
  const v = opts[TIMEOUT];
  return v === undefined ? 2000 : Number(v);
}

function checkHashicorp(o: Readonly<Record<string, string>>): string | undefined {
  const method = o["auth_method"] ?? "token";
  switch (method) {
    case "token":
      return undefined;
    case "approle":
      if (!o["role_id"]) return "auth_method=approle requires role_id";
      if (!o["secret_id_env"] && !o["secret_id_file"]) {
        return "auth_method=approle requires secret_id_env or secret_id_file";
      }
      return undefined;
    case "jwt":
      if (!o["role"]) return "auth_method=jwt requires role";
      return o["jwt_file"] ? undefined : "auth_method=jwt requires jwt_file";
    case "kubernetes":
      return o["role"] ? undefined : "auth_method=kubernetes requires role";
    default:
      return "auth_method must be token, approle, jwt or kubernetes";
  }
}

function intIn(v: string | undefined, min: number, max: number): boolean {
  if (v === undefined || !/^\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= min && n <= max;
}

function usage(reason: string): SigilError {
  return new SigilError("ERR_USAGE", reason);
}
