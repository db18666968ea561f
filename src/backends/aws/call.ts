/**
 * One AWS call on behalf of a backend fetch: bounded by the fetch's signal (credential resolution
 * included, which the SDK does not abort), and any failure summarised as the AWS error code and
 * HTTP status only — AWS messages can quote ARNs, policies or request data, so they are dropped.
 */
import { SigilError } from "../../errors.js";
import { abortError, raceAbort } from "../abort.js";

export async function callAws<T>(
  backend: string,
  operation: string,
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  try {
    if (signal.aborted) throw signal.reason;
    // Whatever the race rejects with, awsFailure maps an aborted signal to its reason.
    return await raceAbort(work(), signal, (reason) => reason as Error);
  } catch (err) {
    throw awsFailure(err, backend, operation, signal);
  }
}

/** Maps anything an AWS call threw to ERR_BACKEND_TIMEOUT / ERR_BACKEND_FAILED without its message. */
export function awsFailure(
  err: unknown,
  backend: string,
  operation: string,
  signal: AbortSignal,
): SigilError {
  if (signal.aborted) return abortError(signal.reason, `backend ${backend} did not answer in time`);
  if (err instanceof SigilError) return err;
  const e = (err ?? {}) as {
    name?: unknown;
    code?: unknown;
    /** The wire error code, when the SDK names the exception class differently (awsQuery). */
    Code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (e.name === "CredentialsProviderError") {
    return new SigilError(
      "ERR_BACKEND_FAILED",
      `backend ${backend}: no AWS credentials found in the standard chain`,
    );
  }
  const status = e.$metadata?.httpStatusCode;
  const code =
    typeof status === "number"
      ? (safeCode(e.Code) ?? safeCode(e.name))
      : (safeCode(e.code) ?? safeCode(e.name));
  return new SigilError(
    "ERR_BACKEND_FAILED",
    `backend ${backend}: ${operation} failed: ${code ?? "error"}${typeof status === "number" ? ` (HTTP ${status})` : ""}`,
  );
}

function safeCode(v: unknown): string | undefined {
  return typeof v === "string" && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(v) ? v : undefined;
}
