/**
 * The one error type that crosses module boundaries. Every refusal carries a stable `ERR_*` code,
 * an HTTP status (for the proxy) and a human reason that never contains a secret.
 * `docs/errors.md` lists every code; test/docs/errors-doc.test.ts keeps the two in sync.
 */

/** Codes a proxy refusal can carry, with their HTTP status (spec §4). */
export const PROXY_ERRORS = {
  ERR_AGENT_UNAUTHENTICATED: 407,
  ERR_NO_ROUTE: 403,
  ERR_PLAINTEXT_REFUSED: 403,
  ERR_ATTESTATION_MISSING: 403,
  ERR_ATTESTATION_INVALID: 403,
  ERR_ATTESTATION_UNTRUSTED: 403,
  ERR_ATTESTATION_EXPIRED: 403,
  ERR_ATTESTATION_REPLAYED: 403,
  ERR_ATTESTATION_MISMATCH: 403,
  ERR_HOST_MISMATCH: 421,
  ERR_REQUEST_TIMEOUT: 408,
  ERR_BAD_REQUEST: 400,
  ERR_BODY_TOO_LARGE: 413,
  ERR_TOO_MANY_TUNNELS: 429,
  ERR_RATE_LIMITED: 429,
  ERR_BACKEND_FAILED: 502,
  ERR_BACKEND_TIMEOUT: 504,
  ERR_INJECTION_FAILED: 502,
  ERR_UPSTREAM_FAILED: 502,
  ERR_DEADLINE_EXCEEDED: 504,
  ERR_AUDIT_UNAVAILABLE: 503,
  ERR_REPLAY_STORE_UNAVAILABLE: 503,
  ERR_SHUTTING_DOWN: 503,
  ERR_OVERLOADED: 503,
  ERR_INTERNAL: 500,
} as const;

/** Codes only the CLI and configuration layer produce (never sent to an agent). */
export const CLI_ERRORS = {
  ERR_USAGE: 2,
  ERR_CONFIG_INVALID: 1,
  ERR_NOT_FOUND: 1,
  ERR_CONFLICT: 1,
  ERR_TRUST_ANCHOR: 1,
  ERR_IO: 1,
} as const;

/**
 * Codes only an `outcome` record carries: the response head had been forwarded, or the agent had
 * gone, so nothing is sent back (docs/errors.md, "Outcome-only codes").
 */
export const OUTCOME_ERRORS = [
  "ERR_UPSTREAM_IDLE_TIMEOUT",
  "ERR_CLIENT_ABORTED",
  "ERR_ACCESS_REVOKED",
  "ERR_SESSION_EXPIRED",
] as const;

export type ProxyErrorCode = keyof typeof PROXY_ERRORS;
export type CliErrorCode = keyof typeof CLI_ERRORS;
export type ErrorCode = ProxyErrorCode | CliErrorCode;
export type OutcomeErrorCode = (typeof OUTCOME_ERRORS)[number];
/** What an `outcome` record's `error` holds: an outcome-only code or a failure's own code. */
export type OutcomeError = OutcomeErrorCode | ErrorCode;

export class SigilError extends Error {
  readonly code: ErrorCode;
  /** Human-readable reason; safe to show to agents, operators and logs. */
  readonly reason: string;

  constructor(code: ErrorCode, reason: string) {
    super(reason);
    this.name = "SigilError";
    this.code = code;
    this.reason = reason;
  }

  /** HTTP status for proxy codes; 500 for CLI-only codes that somehow reach the proxy. */
  get status(): number {
    return isProxyCode(this.code) ? PROXY_ERRORS[this.code] : 500;
  }

  /** Process exit code for the CLI, from CLI_ERRORS; 1 for proxy codes. */
  get exitCode(): number {
    return isCliCode(this.code) ? CLI_ERRORS[this.code] : 1;
  }
}

export function isProxyCode(code: string): code is ProxyErrorCode {
  return Object.prototype.hasOwnProperty.call(PROXY_ERRORS, code);
}

export function isCliCode(code: string): code is CliErrorCode {
  return Object.prototype.hasOwnProperty.call(CLI_ERRORS, code);
}

/** Wraps anything thrown into a SigilError without copying foreign messages (they may hold secrets). */
export function toSigilError(err: unknown, fallback: ErrorCode, reason: string): SigilError {
  return err instanceof SigilError ? err : new SigilError(fallback, reason);
}
