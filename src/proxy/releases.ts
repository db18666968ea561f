/**
 * Every credential release (zeroing, and for dynamic secrets revoking the lease) goes through here,
 * so that none is fire-and-forget: shutdown waits for the ones in flight (bounded), a credential
 * that arrives for a request already gone is released the moment it arrives, and a revocation that
 * still fails after the backend's retry is logged and audited as a `lease` record with
 * `action: "revoke_failed"` (the lease id, never the credential).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AuditWriter } from "../audit/writer.js";
import { UnusedLeaseError, type Credential } from "../backends/backend.js";
import { toSigilError } from "../errors.js";
import type { Logger } from "../log.js";

/** Whose credential it was, for the log line and the audit record. */
export interface ReleaseOwner {
  requestId: string;
  backend: string;
}

export interface ReleaseTracker {
  /** Zeroes the credential now and revokes its lease in the background, tracked until settled. */
  release(cred: Credential, owner: ReleaseOwner): void;
  /**
   * A fetch nobody will use (its request is gone): whatever credential it yields — or hands back
   * in an UnusedLeaseError — is released as soon as it arrives.
   */
  adopt(pending: Promise<Credential>, owner: ReleaseOwner): void;
  /**
   * Resolves once nothing is in flight and `holding()` (requests that may still release) is 0, or
   * after `ms`, with what was still unsettled then (lease ids where known).
   */
  settle(ms: number, holding: () => number): Promise<{ open: number; leaseIds: string[] }>;
}

export function createReleaseTracker(logger: Logger, audit: AuditWriter): ReleaseTracker {
  /** Settling work → the lease id it is about ("" when not known yet). */
  const inFlight = new Map<Promise<void>, string>();
  const track = (work: Promise<void>, leaseId: string) => {
    inFlight.set(work, leaseId);
    void work.finally(() => inFlight.delete(work));
  };

  async function settleOne(cred: Credential, owner: ReleaseOwner): Promise<void> {
    try {
      await cred.release();
    } catch (caught) {
      const err = toSigilError(caught, "ERR_BACKEND_FAILED", "lease revocation failed");
      const leaseId = cred.leaseId;
      const fields = { requestId: owner.requestId, backend: owner.backend, code: err.code };
      if (leaseId === undefined) {
        logger.log("error", "credential release failed", fields);
        return;
      }
      logger.log("error", "lease revocation failed", { ...fields, leaseId, reason: err.reason });
      await audit
        .append({
          type: "lease",
          action: "revoke_failed",
          leaseId,
          backend: owner.backend,
          requestId: owner.requestId,
          code: err.code,
          reason: err.reason,
        })
        .catch(() => {
          logger.log("error", "lease record could not be written", { leaseId, ...fields });
        });
    }
  }

  const tracker: ReleaseTracker = {
    release(cred, owner) {
      track(settleOne(cred, owner), cred.leaseId ?? "");
    },
    adopt(pending, owner) {
      const work = pending.then(
        (late) => settleOne(late, owner),
        (err: unknown) =>
          err instanceof UnusedLeaseError ? settleOne(err.unused, owner) : undefined,
      );
      track(work, "");
    },
    async settle(ms, holding) {
      const until = Date.now() + ms;
      while ((inFlight.size > 0 || holding() > 0) && Date.now() < until) await sleep(20);
      const leaseIds = [...inFlight.values()].filter((id) => id !== "");
      return { open: inFlight.size + holding(), leaseIds };
    },
  };
  return tracker;
}

/** How long shutdown waits for releases and revocations still in flight. */
export const SHUTDOWN_RELEASE_WAIT_MS = 5000;

/**
 * Shutdown's last step before the audit log closes: wait (bounded) until every request has let go
 * of its credential and every revocation has settled (a failed one is audited meanwhile); what is
 * still open then is logged with its lease ids, for the operator to revoke by hand.
 */
export async function settleReleases(rt: {
  releases: ReleaseTracker;
  logger: Logger;
  inflight: number;
}): Promise<void> {
  const left = await rt.releases.settle(SHUTDOWN_RELEASE_WAIT_MS, () => rt.inflight);
  if (left.open > 0) {
    rt.logger.log("error", "credential releases still pending at exit", {
      pending: left.open,
      leaseIds: left.leaseIds,
    });
  }
}
