/** The audit chain, verified end to end as `audit verify` does; the head is printed for comparison. */
import { verifyAuditDir } from "../audit/verify.js";
import type { HomePaths } from "../config/home.js";
import { fail, guard, ok, warn, type CheckResult } from "./check.js";

const AUDIT_CHECK_MS = 120_000;
const FIX = "keep the damaged files for investigation; see docs/audit.md (verifying the chain)";

export function checkAudit(home: HomePaths): Promise<CheckResult[]> {
  return guard("audit", FIX, AUDIT_CHECK_MS, async () => {
    const r = await verifyAuditDir(home.auditDir);
    if (!r.ok) {
      const seq = r.seq !== null ? ` (seq ${r.seq})` : "";
      return [fail("audit", `${r.file} line ${r.line}${seq}: ${r.reason}`, FIX)];
    }
    if (r.head === null) return [warn("audit", "the log is empty (the proxy has not run yet)")];
    const n = `${r.count} record${r.count === 1 ? "" : "s"}`;
    return [ok("audit", `chain intact, ${n}, head ${r.head.hash}`)];
  });
}
