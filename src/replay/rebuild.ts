/**
 * Restart safety for the in-memory replay store (spec §5.3): every replay id claimed in the last
 * few minutes appears in the audit log — on its `release` record, or on a `deny` written after the
 * claim — so start-up re-claims them until their hold expires.
 */
import { readRecordsSince } from "../audit/scan.js";
import { replayHoldUntilMs, type ReplayStore } from "./store.js";

/** Longest an id can matter after its record: exp ≤ use + 60 s + 30 s skew, held 300 s past exp. */
const LOOKBACK_MS = 10 * 60 * 1000;

export async function rebuildReplayStore(
  store: ReplayStore,
  auditDir: string,
  nowMs: number,
): Promise<number> {
  const records = await readRecordsSince(auditDir, nowMs - LOOKBACK_MS);
  let restored = 0;
  for (const r of records) {
    const claimed = r.type === "release" || (r.type === "deny" && r["replayClaimed"] === true);
    const id = r["replayId"];
    const exp = r["exp"];
    if (!claimed || typeof id !== "string" || typeof exp !== "number") continue;
    if (replayHoldUntilMs(exp) <= nowMs) continue;
    await store.claim(id, replayHoldUntilMs(exp));
    restored++;
  }
  return restored;
}
