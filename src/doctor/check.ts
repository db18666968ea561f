/**
 * What every doctor check returns: a status, a one-line message and, on failure, how to fix it.
 * `guard` turns a thrown error into a FAIL line and bounds a check in time, so one broken check
 * (a JWKS URL that hangs) never stops the others from reporting.
 */
import { SigilError } from "../errors.js";

export type CheckStatus = "ok" | "warn" | "fail";

/** One line of doctor's report. */
export interface CheckResult {
  /** What was checked, e.g. `ca`, `anchor dev-1`, `probe: redaction`. */
  check: string;
  status: CheckStatus;
  message: string;
  /** How to fix it; set on every `fail` (and on some warnings). */
  fix?: string;
}

export function ok(check: string, message: string): CheckResult {
  return { check, status: "ok", message };
}

export function warn(check: string, message: string, fix?: string): CheckResult {
  return { check, status: "warn", message, ...(fix !== undefined ? { fix } : {}) };
}

export function fail(check: string, message: string, fix: string): CheckResult {
  return { check, status: "fail", message, fix };
}

/** Runs `fn`; a throw or a timeout becomes one FAIL line with `fix`. */
export async function guard(
  check: string,
  fix: string,
  timeoutMs: number,
  fn: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SigilError("ERR_IO", `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([fn(), timeout]);
  } catch (err) {
    return [fail(check, describe(err), fix)];
  } finally {
    clearTimeout(timer);
  }
}

/** A SigilError's reason (never secret by construction); other errors only by type. */
export function describe(err: unknown): string {
  if (err instanceof SigilError) return `${err.reason} (${err.code})`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") return `failed (${code})`;
  return `unexpected error (${err instanceof Error ? err.name : typeof err})`;
}

/** `ok   ca: …` / `FAIL home: … — fix: …`, as printed. */
export function formatResult(r: CheckResult): string {
  const tag = { ok: "ok  ", warn: "warn", fail: "FAIL" }[r.status];
  return `${tag} ${r.check}: ${r.message}${r.fix !== undefined ? ` — fix: ${r.fix}` : ""}`;
}
