/**
 * The client's typed errors. Each carries a stable `code`: Sign's `SIGIL_*` code for an authorizer
 * refusal, Vault's `ERR_*` code for a refusal at the proxy, or an `ERR_CLIENT_*` code for a
 * problem the client found before sending anything.
 */

/** Sigil Sign answered something other than ALLOWED (DENIED, PENDING, 401, 429, 5xx). */
export class SigilSignError extends Error {
  override name = "SigilSignError";
  constructor(
    /** Sign's `error_code`, e.g. `SIGIL_POLICY_VIOLATION_BLOCKED_DOMAIN`. */
    readonly code: string,
    /** Sign's HTTP status. */
    readonly status: number,
    message: string,
    readonly details: {
      /** Sign's `status` field: DENIED, PENDING, RATE_LIMITED, UNAVAILABLE… */
      decision?: string;
      /** For PENDING: the hold a human must approve (`GET /v1/holds/{holdId}`). */
      holdId?: string;
      /** Seconds from Sign's Retry-After header, when it sent one. */
      retryAfter?: number;
    } = {},
  ) {
    super(`Sigil Sign refused the request: ${message} (${code})`);
  }
}

/** Vault refused the agent before a tunnel opened (407 at CONNECT), or the client cannot send. */
export class SigilClientError extends Error {
  override name = "SigilClientError";
  /** Vault's HTTP status, for a refused CONNECT. */
  readonly status: number | undefined;
  constructor(
    /** `ERR_AGENT_UNAUTHENTICATED`, `ERR_CLIENT_CONFIG`, `ERR_CLIENT_BODY_TOO_LARGE`… */
    readonly code: string,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(`${message} (${code})`, { cause: options.cause });
    this.status = options.status;
  }
}
