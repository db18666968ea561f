/**
 * Refusals that happen before Vault can answer inside a tunnel — Sign's DENIED/PENDING/429 and
 * Vault's status on the CONNECT (undici drops that body) — turned into a Response shaped like
 * Vault's own refusals (§4: status, `X-Sigil-Error`, `{"error":{"code","message"}}`), so an SDK
 * shows "407 …" or "403 …" with the code instead of "Connection error." and does not retry a
 * denial (it does retry 429 and 5xx, as it should).
 */
import { SigilClientError, SigilSignError } from "./errors.js";

/** Vault's statuses on a refused CONNECT (spec §3, §4). */
const CONNECT_CODES: Record<number, string> = {
  400: "ERR_BAD_REQUEST",
  407: "ERR_AGENT_UNAUTHENTICATED",
  429: "ERR_TOO_MANY_TUNNELS",
};

/** The CONNECT status undici reports when Vault refused to open the tunnel, if that is the error. */
export function connectRefusal(err: unknown): SigilClientError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const m = /Proxy response \((\d{3})\) !== 200/.exec(e.message);
    if (!m) continue;
    const status = Number(m[1]);
    const code = CONNECT_CODES[status] ?? "ERR_CLIENT_CONNECT_REFUSED";
    const why =
      status === 407
        ? "Vault refused the agent token (missing, unknown or revoked)"
        : `Vault refused to open the tunnel (HTTP ${status})`;
    return new SigilClientError(code, why, { cause: err, status });
  }
  return undefined;
}

/** A Response standing for a refusal, in Vault's error shape. */
export function refusalResponse(err: SigilSignError | SigilClientError): Response {
  const isSign = err instanceof SigilSignError;
  const status = isSign ? signStatus(err.status) : (err.status ?? 502);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-sigil-error": err.code,
  };
  if (isSign && err.details.retryAfter !== undefined) {
    headers["retry-after"] = String(err.details.retryAfter);
  }
  if (status === 407) headers["proxy-authenticate"] = 'Basic realm="sigil-vault"';
  // Stainless-generated SDKs (openai, anthropic) honour this: a denial is not worth a retry.
  if (status === 401 || status === 403 || status === 407) headers["x-should-retry"] = "false";
  const error = {
    code: err.code,
    message: err.message,
    ...(isSign && err.details.holdId ? { holdId: err.details.holdId } : {}),
  };
  return new Response(JSON.stringify({ error }), { status, headers });
}

/**
 * Sign's PENDING (202) and denials (400/403/409) become 403: not worth an SDK retry. A bad API key
 * stays 401, rate limits stay 429 (SDKs retry those), Sign's own failures become 502.
 */
function signStatus(status: number): number {
  if (status === 401 || status === 429) return status;
  return status >= 500 ? 502 : 403;
}
