/**
 * Where attestations come from. `signAuthorizer` speaks Sigil Sign's `POST /v1/authorize`
 * (docs/agents.md): Bearer `sk_sigil_…` API key; `{agentId, framework, txCommit, intent,
 * request_nonce}`; `ALLOWED` → the attestation, anything else → a SigilSignError with Sign's code.
 * It calls Sign directly, never through Vault: Sign is not a route, and under `sigil-vault run`
 * the process-wide proxy settings would otherwise send it there.
 */
import { randomUUID } from "node:crypto";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import type { HttpIntent } from "./intent.js";
import { SigilClientError, SigilSignError } from "./errors.js";

/** Returns a compact intent attestation for this intent, or throws. */
export type Authorizer = (request: {
  intent: HttpIntent;
  txCommit: string;
  signal?: AbortSignal;
}) => Promise<string>;

/** Options of {@link signAuthorizer}; each defaults to an environment variable. */
export interface SignAuthorizerOptions {
  /** Sign's base URL; default `$SIGIL_SIGN_URL`. */
  url?: string;
  /** `sk_sigil_live_…` or `sk_sigil_test_…`; default `$SIGIL_SIGN_API_KEY`. */
  apiKey?: string;
  /** The agent's name in Vault (`agents create --name`); default `$SIGIL_AGENT_ID`. */
  agentId?: string;
  /** `^[a-z0-9][a-z0-9-]*$`; default `$SIGIL_FRAMEWORK`, else `"sigil-vault-client"`. */
  framework?: string;
  /** Per-call timeout; default 10 s. */
  timeoutMs?: number;
  /** How to reach Sign; default a direct connection (no proxy). */
  dispatcher?: Dispatcher;
  /** Where the defaults come from; default `process.env`. */
  env?: Record<string, string | undefined>;
}

const FRAMEWORK = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_ANSWER_BYTES = 64 * 1024;

export function signAuthorizer(options: SignAuthorizerOptions = {}): Authorizer {
  const env = options.env ?? process.env;
  const url = need(options.url ?? env["SIGIL_SIGN_URL"], "url", "SIGIL_SIGN_URL");
  const apiKey = need(options.apiKey ?? env["SIGIL_SIGN_API_KEY"], "apiKey", "SIGIL_SIGN_API_KEY");
  const agentId = need(options.agentId ?? env["SIGIL_AGENT_ID"], "agentId", "SIGIL_AGENT_ID");
  const framework = options.framework ?? env["SIGIL_FRAMEWORK"] ?? "sigil-vault-client";
  if (!FRAMEWORK.test(framework)) {
    throw new SigilClientError("ERR_CLIENT_CONFIG", "framework must match ^[a-z0-9][a-z0-9-]*$");
  }
  const endpoint = new URL("v1/authorize", url.endsWith("/") ? url : `${url}/`).href;
  const dispatcher = options.dispatcher ?? new Agent();
  const timeoutMs = options.timeoutMs ?? 10_000;

  return async ({ intent, txCommit, signal }) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await undiciFetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ agentId, framework, txCommit, intent, request_nonce: randomUUID() }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      dispatcher,
    });
    const answer = await readAnswer(res);
    if (res.status === 200 && answer["status"] === "ALLOWED") {
      const token = answer["intent_attestation"];
      if (typeof token === "string" && token.length > 0) return token;
    }
    throw refusal(res, answer);
  };
}

function need(value: string | undefined, option: string, variable: string): string {
  if (value === undefined || value === "") {
    throw new SigilClientError(
      "ERR_CLIENT_CONFIG",
      `signAuthorizer needs ${option} (or $${variable})`,
    );
  }
  return value;
}

async function readAnswer(res: { text(): Promise<string> }): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (text.length > MAX_ANSWER_BYTES) return {};
  try {
    const json: unknown = JSON.parse(text);
    return json !== null && typeof json === "object" && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Sign's answer as a typed error; never echoes the API key. */
function refusal(
  res: { status: number; headers: { get(name: string): string | null } },
  answer: Record<string, unknown>,
): SigilSignError {
  const text = (k: string) => (typeof answer[k] === "string" ? (answer[k] as string) : undefined);
  const decision = text("status");
  const fallback =
    res.status === 401
      ? "SIGIL_AUTH_INVALID_TOKEN"
      : res.status === 202
        ? "SIGIL_PENDING_APPROVAL"
        : res.status === 429
          ? "SIGIL_RATE_LIMITED"
          : res.status >= 500
            ? "SIGIL_INTERNAL_ERROR"
            : "SIGIL_UNEXPECTED_RESPONSE";
  const code = text("error_code") ?? fallback;
  const holdId = text("holdId");
  const retryAfter = Number(res.headers.get("retry-after") ?? NaN);
  const message =
    decision === "PENDING" && holdId
      ? `a human must approve hold ${holdId}`
      : (text("message") ?? `HTTP ${res.status}`);
  return new SigilSignError(code, res.status, message.slice(0, 500), {
    ...(decision ? { decision } : {}),
    ...(holdId ? { holdId } : {}),
    ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
  });
}
