/**
 * Sealing one audit record (canonical JSON, SHA-256, the stored line) for the two records every
 * request writes: a `release` and an `outcome`, with the chain members the writer adds.
 */
import { randomUUID } from "node:crypto";
import { sealRecord } from "../../src/audit/chain.js";
import { percentiles } from "../lib/load.js";
import { releaseLike } from "./audit-group-commit.js";

export interface SealBenchResult {
  /** Median µs per sealed record over the rounds. */
  releaseUs: number;
  outcomeUs: number;
}

const chain = (seq: number) => ({
  v: 1,
  seq,
  ts: new Date(1_800_000_000_000 + seq).toISOString(),
  prev: "ab".repeat(32),
});

export function benchAuditSeal(records = 20_000, rounds = 7): SealBenchResult {
  const release = Array.from({ length: records }, (_, i) => ({
    ...releaseLike(0, i),
    ...chain(i),
  }));
  const outcome = Array.from({ length: records }, (_, i) => ({
    type: "outcome",
    requestId: randomUUID(),
    release: "cd".repeat(32),
    status: 200,
    bytesIn: 0,
    bytesOut: 11,
    durationMs: 2,
    ...chain(i),
  }));
  const time = (list: Record<string, unknown>[]) => {
    const t0 = performance.now();
    for (const r of list) sealRecord(r);
    return ((performance.now() - t0) * 1000) / list.length;
  };
  const rel: number[] = [];
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = time(release);
    const b = time(outcome);
    if (r === 0) continue; // warm-up round
    rel.push(a);
    out.push(b);
  }
  return { releaseUs: percentiles(rel).p50, outcomeUs: percentiles(out).p50 };
}
