/**
 * What a request holds once its gate passed, and how a failed one is closed: an `outcome` record
 * once the credential was released, a `deny` before; the credential released exactly once.
 */
import type { AuditRecord } from "../audit/record.js";
import type { BodyReservation } from "./body-budget.js";
import type { Credential } from "../backends/backend.js";
import { SigilError, toSigilError } from "../errors.js";
import { writeOutcome } from "./outcome.js";
import type { DenyInfo } from "./deny-info.js";
import { recordDeny } from "./refuse.js";
import type { Runtime } from "./runtime.js";
import type { RequestObservation } from "../observe/request-observation.js";

/** What a request holds once its gate passed; filled step by step so a failure knows what to undo. */
export interface Held {
  cred?: Credential;
  /** The backend `cred` came from (for a failed revocation's record). */
  backend?: string;
  /** The durable `release` record; once set, a failure is an `outcome`, not a `deny`. */
  release?: AuditRecord;
  /** The request's share of the buffered-body budget, freed when the request ends. */
  body?: BodyReservation;
}

/** Closes a failed request's record (`outcome` once released, `deny` before); returns the error. */
export async function recordFailure(
  rt: Runtime,
  caught: unknown,
  info: DenyInfo,
  held: Held,
  obs: RequestObservation,
): Promise<SigilError> {
  const err = toSigilError(caught, "ERR_INTERNAL", "internal error");
  obs.failed(err);
  if (!(caught instanceof SigilError)) {
    // Only the error's type: a foreign message could quote request data.
    rt.logger.log("error", "unexpected error", {
      requestId: info.requestId,
      errorType: caught instanceof Error ? caught.name : typeof caught,
    });
  }
  if (held.release) {
    await writeOutcome(rt, held.release, info.requestId, { status: err.status, error: err.code });
  } else {
    // The request's one summary comes from `obs` (reportRequest), not from the refusal.
    await recordDeny(rt, err, info, { summarized: true });
  }
  return err;
}

/** Frees the body budget and releases (zeroes, revokes) the held credential once; safe to call again. */
export function releaseHeld(rt: Runtime, held: Held, requestId: string): void {
  held.body?.free();
  const cred = held.cred;
  if (!cred) return;
  delete held.cred;
  rt.releases.release(cred, { requestId, backend: held.backend ?? "" });
}
