/**
 * The abort race inside backends' credential fetches: a call settles
 * with its result, or fails as soon as the fetch's signal aborts — with the signal's own
 * SigilError (the backend timeout or the request deadline), else ERR_BACKEND_TIMEOUT. The call is
 * not cancelled by the race; a credential it yields after we gave up goes to `onLate`, which
 * releases it (zeroed, lease revoked) instead of leaking it.
 */
import { SigilError } from "../errors.js";

/** The abort's own SigilError when it carries one, else ERR_BACKEND_TIMEOUT with `timeoutReason`. */
export function abortError(reason: unknown, timeoutReason: string): SigilError {
  return reason instanceof SigilError
    ? reason
    : new SigilError("ERR_BACKEND_TIMEOUT", timeoutReason);
}

/** Settles with `work`, or rejects with `onAbort(signal.reason)` as soon as `signal` aborts. */
export function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  onAbort: (reason: unknown) => Error,
  onLate: (late: T) => void = () => undefined,
): Promise<T> {
  const abandon = (): Promise<never> => {
    work.then(onLate, () => undefined);
    return Promise.reject(onAbort(signal.reason));
  };
  if (signal.aborted) return abandon();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbortEvent = () => {
      settled = true;
      abandon().catch(reject);
    };
    signal.addEventListener("abort", onAbortEvent, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbortEvent);
        if (!settled) resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbortEvent);
        if (!settled) reject(err);
      },
    );
  });
}

/** `onLate` for a race over a credential: release it, ignoring a failed revoke. */
export function releaseLate(late: { release(): Promise<void> }): void {
  late.release().catch(() => undefined);
}
