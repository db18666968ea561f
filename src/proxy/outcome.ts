/**
 * The `outcome` record that closes every request whose credential was released: status, bytes,
 * duration, and the error code when it did not complete. Lazy: it rides with the next batch.
 */
import type { AuditRecord } from "../audit/record.js";
import type { OutcomeError } from "../errors.js";
import type { Runtime } from "./runtime.js";

export async function writeOutcome(
  rt: Runtime,
  release: AuditRecord,
  requestId: string,
  fields: {
    status: number;
    error?: OutcomeError;
    /** Why the proxy ended a session or stream (access-watch.ts); never request data. */
    reason?: string;
    bytesIn?: number;
    bytesOut?: number;
    durationMs?: number;
    /** Credential occurrences masked in the response (see proxy/redact.ts). */
    redacted?: number;
  },
): Promise<void> {
  try {
    await rt.audit.append(
      {
        type: "outcome",
        requestId,
        release: release.hash,
        status: fields.status,
        bytesIn: fields.bytesIn ?? 0,
        bytesOut: fields.bytesOut ?? 0,
        durationMs: fields.durationMs ?? 0,
        ...(fields.error !== undefined ? { error: fields.error } : {}),
        ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
        ...(fields.redacted ? { redacted: fields.redacted } : {}),
        ...(release["probe"] === true ? { probe: true } : {}),
      },
      { lazy: true },
    );
  } catch {
    rt.logger.log("error", "outcome record could not be written", { requestId });
  }
}
