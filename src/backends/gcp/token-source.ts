/**
 * Google identity for Secret Manager calls, through google-auth-library (loaded on first use):
 * a service-account key's JWT-bearer grant (RFC 7523) or the metadata server. The OAuth access
 * token is cached by the library until shortly before expiry; it is not the released credential.
 */
import { readFile } from "node:fs/promises";
import type { Agent } from "node:https";
import type { AuthClient } from "google-auth-library";
import { SigilError } from "../../errors.js";
import { isHttpsUrl } from "./settings.js";

/** Where the access token comes from; `getToken` rejects with ERR_BACKEND_FAILED only. */
export interface TokenSource {
  getToken(): Promise<string>;
  /** Drops the cached client (and its token) after Secret Manager rejected the token. */
  invalidate(): void;
}

export interface TokenSourceOptions {
  backend: string;
  /** Service-account JSON file; undefined means the metadata server. */
  credentialsFile?: string;
  tokenUri?: URL;
  agent: Agent;
  timeoutMs: number;
}

export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** Where google-auth-library always sends the grant (and the assertion's `aud`). */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

let library: Promise<typeof import("google-auth-library")> | undefined;
const loadLibrary = () => (library ??= import("google-auth-library"));

export function createTokenSource(opts: TokenSourceOptions): TokenSource {
  let client: Promise<AuthClient> | undefined;
  const source = opts.credentialsFile ? "token endpoint" : "metadata server";
  return {
    async getToken() {
      const pending = (client ??= createClient(opts));
      try {
        const { token } = await (await pending).getAccessToken();
        if (!token) throw new Error("empty token");
        return token;
      } catch (err) {
        if (client === pending) client = undefined;
        throw err instanceof SigilError ? err : tokenFailure(err, opts.backend, source);
      }
    },
    invalidate() {
      client = undefined;
    },
  };
}

async function createClient(opts: TokenSourceOptions): Promise<AuthClient> {
  const { JWT, Compute } = await loadLibrary();
  // The metadata server is plain HTTP on the host; gcp-metadata brings its own transport.
  if (!opts.credentialsFile) return new Compute({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const key = await readServiceAccount(opts.credentialsFile, opts.backend);
  const client = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    scopes: [CLOUD_PLATFORM_SCOPE],
    // gaxios hands `agent` to its fetch: our trust roots, verification on, and no *_PROXY
    // detour. No retry with backoff inside a just-in-time fetch that has seconds to live.
    transporterOptions: { agent: opts.agent, timeout: opts.timeoutMs, retryConfig: { retry: 0 } },
    // Without the library's default interceptors its debug logger (GOOGLE_SDK_NODE_LOGGING)
    // cannot print token responses; they only add telemetry headers.
    useAuthRequestParameters: false,
  });
  const tokenUri = opts.tokenUri?.href ?? key.tokenUri;
  // google-auth-library posts every grant to GOOGLE_TOKEN_URL; a gaxios request interceptor is
  // its public hook for sending it to the configured token_uri instead.
  if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
    client.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
        return config;
      },
    });
  }
  return client;
}

interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  tokenUri?: string;
}

async function readServiceAccount(file: string, backend: string): Promise<ServiceAccountKey> {
  const bad = (what: string) =>
    new SigilError("ERR_BACKEND_FAILED", `backend ${backend}: credentials file ${what}`);
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    if (parsed === null || typeof parsed !== "object") throw new Error("not an object");
    json = parsed as Record<string, unknown>;
  } catch {
    throw bad(`${file} is not readable JSON`);
  }
  const str = (k: string) => (typeof json[k] === "string" ? (json[k] as string) : undefined);
  if (str("type") !== "service_account") throw bad("must hold a service_account key");
  const clientEmail = str("client_email");
  const privateKey = str("private_key");
  if (!clientEmail || !privateKey) throw bad("lacks client_email or private_key");
  const tokenUri = str("token_uri");
  if (tokenUri !== undefined && !isHttpsUrl(tokenUri)) throw bad("token_uri must be https");
  return { clientEmail, privateKey, ...(tokenUri ? { tokenUri } : {}) };
}

/** Status and OAuth error code only: the library's messages may quote the response body. */
function tokenFailure(err: unknown, backend: string, source: string): SigilError {
  const res = (err as { response?: { status?: unknown; data?: unknown } } | null)?.response;
  const data = res?.data as { error?: unknown } | undefined;
  const code =
    typeof data?.error === "string" && /^[a-z_]{1,40}$/.test(data.error) ? ` ${data.error}` : "";
  const why =
    typeof res?.status === "number"
      ? `${source} answered HTTP ${res.status}${code}`
      : `${source} could not be reached or gave no token`;
  return new SigilError("ERR_BACKEND_FAILED", `backend ${backend}: ${why}`);
}
