/**
 * Turns the fetch context's abort into the error the pipeline expects: its own reason when that is
 * a SigilError (the backend timeout or request deadline), else ERR_BACKEND_TIMEOUT.
 */
import { SigilError } from "../../errors.js";

export function abortError(signal: AbortSignal, backend: string): SigilError {
  const reason: unknown = signal.reason;
  return reason instanceof SigilError
    ? reason
    : new SigilError("ERR_BACKEND_TIMEOUT", `backend ${backend} did not answer in time`);
}

/** Settles with `work`, or rejects as soon as `signal` aborts (the work is left to finish). */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal, backend: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal, backend));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, backend));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
