/**
 * How a backend reports a failure it recovers from or cannot return (a failed lease revoke, a
 * token renewal that falls back to a fresh login, a close): a `warn` line with the backend's name,
 * what failed and the error's code. Only a SigilError's reason is logged, because those are written
 * never to hold a secret; any other error contributes its errno code or class name, not its message.
 */
import { SigilError } from "../errors.js";
import type { Logger } from "../log.js";

export function logBackendFailure(
  logger: Logger | undefined,
  backend: string,
  what: string,
  err: unknown,
): void {
  const fields =
    err instanceof SigilError
      ? { code: err.code, reason: err.reason }
      : { code: (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.name ?? typeof err };
  logger?.log("warn", `backend ${what} failed`, { backend, ...fields });
}
