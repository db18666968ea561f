/**
 * The audit log's refusals, all `ERR_AUDIT_UNAVAILABLE` (spec §4: 503, fail closed). Reasons are
 * fixed strings: file-system messages are never passed on.
 */
import { SigilError, toSigilError } from "../errors.js";

/** A batch could not be made durable, or the writer cannot take appends. */
export function unavailable(reason = "audit log could not be made durable"): SigilError {
  return new SigilError("ERR_AUDIT_UNAVAILABLE", reason);
}

/** The log's content cannot be trusted (readers fail closed; `audit verify` says where). */
export function corrupt(): SigilError {
  return unavailable("audit log is corrupt; run audit verify");
}

/** Any failure while reading the log, as a SigilError (SigilErrors pass through). */
export function unreadable(err: unknown): SigilError {
  return toSigilError(err, "ERR_AUDIT_UNAVAILABLE", "audit log could not be read");
}
