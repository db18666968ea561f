/**
 * The audit side of the probe: the `release` and `outcome` records of the probe request, and the
 * `deny` of its replay, found by replay id. Outcome and deny records are written lazily, so this
 * polls the log for a few seconds.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { readTail } from "../audit/tail.js";
import type { AuditRecord } from "../audit/record.js";
import { PROBE_ROUTE_ID } from "../probe/names.js";
import { fail, ok, type CheckResult } from "./check.js";

const WAIT_MS = 5000;
const SCAN = 200;

export async function findProbeRecords(auditDir: string, replayId: string): Promise<CheckResult> {
  const until = Date.now() + WAIT_MS;
  let missing = "release";
  for (;;) {
    const records = await readTail(auditDir, SCAN);
    const release = records.find(
      (r) => r.type === "release" && r.replayId === replayId && r.route === PROBE_ROUTE_ID,
    );
    const outcome = release && records.find((r) => isOutcomeOf(r, release));
    const deny = records.find(
      (r) => r.type === "deny" && r.replayId === replayId && r.code === "ERR_ATTESTATION_REPLAYED",
    );
    missing = !release ? "release" : !outcome ? "outcome" : !deny ? "deny (replay)" : "";
    if (release && outcome && deny) {
      return ok(
        "probe: audit",
        `release seq ${release.seq}, outcome seq ${outcome.seq} (status ${String(outcome.status)}), replay deny seq ${deny.seq}`,
      );
    }
    if (Date.now() >= until) break;
    await sleep(100);
  }
  return fail(
    "probe: audit",
    `no ${missing} record for the probe request`,
    "run sigil-vault audit verify and check the proxy's stderr for audit errors",
  );
}

function isOutcomeOf(r: AuditRecord, release: AuditRecord): boolean {
  return r.type === "outcome" && r.requestId === release.requestId && r.release === release.hash;
}
