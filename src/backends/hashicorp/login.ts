/**
 * Logging in to Vault with the configured method and learning how long the token lives.
 * token: the token itself (env var or file) plus `auth/token/lookup-self`; approle:
 * `auth/<mount>/login {role_id, secret_id}`; jwt and kubernetes: `auth/<mount>/login {role, jwt}`.
 * https://developer.hashicorp.com/vault/api-docs/auth
 */
import { readFile } from "node:fs/promises";
import { SigilError } from "../../errors.js";
import { vaultFailure, vaultMalformed } from "./failure.js";
import { abortError, type VaultHttp } from "./http.js";
import type { SecretSource, VaultSettings } from "./settings.js";

/** A Vault token and its lifetime as Vault reported it. */
export interface VaultLogin {
  readonly token: string;
  readonly renewable: boolean;
  /** 0 when the token never expires (e.g. a root token). */
  readonly ttlMs: number;
}

export async function loginToVault(
  settings: VaultSettings,
  http: VaultHttp,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<VaultLogin> {
  const material = await readLoginSecret(settings, env, signal);
  if (settings.authMethod === "token") return lookupSelf(settings, http, material, signal);
  const body =
    settings.authMethod === "approle"
      ? { role_id: settings.roleId, secret_id: material }
      : { role: settings.role, jwt: material };
  const reply = await http.call(
    { method: "POST", path: `auth/${encodePath(settings.mount)}/login`, body },
    signal,
  );
  if (reply.status !== 200) throw vaultFailure(settings.name, "login", reply.status, reply.body);
  return parseAuth(settings, "login", reply.body);
}

/** `auth/token/renew-self`: a longer life for the cached token, or a rejection. */
export async function renewSelf(
  settings: VaultSettings,
  http: VaultHttp,
  token: string,
  signal: AbortSignal,
): Promise<VaultLogin> {
  const reply = await http.call(
    { method: "POST", path: "auth/token/renew-self", token, body: {} },
    signal,
  );
  if (reply.status !== 200) {
    throw vaultFailure(settings.name, "token renewal", reply.status, reply.body);
  }
  return parseAuth(settings, "token renewal", reply.body);
}

async function lookupSelf(
  settings: VaultSettings,
  http: VaultHttp,
  token: string,
  signal: AbortSignal,
): Promise<VaultLogin> {
  const reply = await http.call({ method: "GET", path: "auth/token/lookup-self", token }, signal);
  if (reply.status !== 200) {
    throw vaultFailure(settings.name, "token lookup", reply.status, reply.body);
  }
  const data = parseObject(reply.body)?.["data"] as Record<string, unknown> | undefined;
  if (!data || typeof data["ttl"] !== "number") throw vaultMalformed(settings.name, "token lookup");
  return { token, renewable: data["renewable"] === true, ttlMs: data["ttl"] * 1000 };
}

function parseAuth(settings: VaultSettings, what: string, body: Buffer): VaultLogin {
  const auth = parseObject(body)?.["auth"] as Record<string, unknown> | undefined;
  const token = auth?.["client_token"];
  const ttl = auth?.["lease_duration"];
  if (typeof token !== "string" || token === "" || typeof ttl !== "number") {
    throw vaultMalformed(settings.name, what);
  }
  return { token, renewable: auth?.["renewable"] === true, ttlMs: ttl * 1000 };
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  } finally {
    body.fill(0);
  }
}

/** The token, secret id or JWT, read when logging in so rotated files are picked up. */
async function readLoginSecret(
  settings: VaultSettings,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<string> {
  const source: SecretSource = settings.loginSecret;
  const what = LOGIN_SECRET_NAMES[settings.authMethod];
  let value: string | undefined;
  if ("env" in source) {
    value = source.env ? env[source.env] : undefined;
    if (!value)
      throw loginInput(
        settings,
        `${what} environment variable ${source.env || "(unset)"} is empty`,
      );
  } else {
    if (!source.file)
      throw loginInput(settings, `auth_method=${settings.authMethod} needs jwt_file`);
    try {
      value = await readFile(source.file, { encoding: "utf8", signal });
    } catch (err) {
      if (signal.aborted) throw abortError(settings, signal.reason);
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw loginInput(settings, `cannot read the ${what} file (${code})`);
    }
  }
  value = value.trim();
  if (!value) throw loginInput(settings, `the ${what} is empty`);
  return value;
}

const LOGIN_SECRET_NAMES = {
  token: "Vault token",
  approle: "AppRole secret id",
  jwt: "JWT",
  kubernetes: "service-account JWT",
} as const;

function loginInput(settings: VaultSettings, reason: string): SigilError {
  return new SigilError(
    "ERR_BACKEND_FAILED",
    `hashicorp-vault backend ${settings.name}: ${reason}`,
  );
}

/** Percent-encodes each segment of a mount path, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
