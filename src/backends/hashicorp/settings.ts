/**
 * The `hashicorp-vault` options (already validated by backends/options.ts) resolved once into what
 * the client needs: the API base URL, the login method and where its material lives, the auth
 * mount, the namespace and the per-call timeout.
 */
import { SigilError } from "../../errors.js";
import { backendTimeoutMs } from "../options.js";

export type VaultAuthMethod = "token" | "approle" | "jwt" | "kubernetes";

/** Where the service-account JWT lives inside a Kubernetes pod. */
export const KUBERNETES_JWT_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** A secret input read at login time: an environment variable or a file (never the value). */
export type SecretSource = { env: string } | { file: string };

export interface VaultSettings {
  /** The backend's configured name, for error reasons. */
  readonly name: string;
  /** `vault_addr` without trailing slashes; requests go to `<base>/v1/<path>`. */
  readonly base: string;
  readonly authMethod: VaultAuthMethod;
  /** Auth mount for approle/jwt/kubernetes (option `mount`, default the method's name). */
  readonly mount: string;
  /** Sent as X-Vault-Namespace on every call (Vault Enterprise / HCP). */
  readonly namespace?: string;
  /** Per-call timeout, also the cap on login, renewal and revocation calls. */
  readonly timeoutMs: number;
  /** token: the Vault token. approle: the secret id. jwt/kubernetes: the JWT. */
  readonly loginSecret: SecretSource;
  readonly roleId?: string;
  readonly role?: string;
  /** PEM file with extra trust roots for the Vault server (`ca_cert`). */
  readonly caCertFile?: string;
}

export function resolveVaultSettings(
  name: string,
  o: Readonly<Record<string, string>>,
): VaultSettings {
  const authMethod = (o["auth_method"] ?? "token") as VaultAuthMethod;
  const addr = o["vault_addr"] ?? "";
  if (!/^https?:\/\/[^\s/]+/.test(addr)) {
    throw new SigilError(
      "ERR_CONFIG_INVALID",
      `backend ${name}: vault_addr must be an http(s) URL`,
    );
  }
  const mount = (o["mount"] ?? authMethod).replace(/^\/+|\/+$/g, "");
  const namespace = o["namespace"]?.replace(/^\/+|\/+$/g, "");
  return {
    name,
    base: addr.replace(/\/+$/, ""),
    authMethod,
    mount,
    ...(namespace ? { namespace } : {}),
    timeoutMs: backendTimeoutMs(o),
    loginSecret: loginSecretSource(authMethod, o),
    ...(o["role_id"] ? { roleId: o["role_id"] } : {}),
    ...(o["role"] ? { role: o["role"] } : {}),
    ...(o["ca_cert"] ? { caCertFile: o["ca_cert"] } : {}),
  };
}

function loginSecretSource(
  method: VaultAuthMethod,
  o: Readonly<Record<string, string>>,
): SecretSource {
  switch (method) {
    case "token":
      return o["token_file"] ? { file: o["token_file"] } : { env: o["token_env"] ?? "VAULT_TOKEN" };
    case "approle":
      return o["secret_id_file"]
        ? { file: o["secret_id_file"] }
        : { env: o["secret_id_env"] ?? "" };
    case "jwt":
    case "kubernetes":
      return { file: o["jwt_file"] ?? (method === "kubernetes" ? KUBERNETES_JWT_FILE : "") };
  }
}
