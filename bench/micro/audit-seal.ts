/**
 * The audit writer's CPU per record apart from the disk, for the two records every request writes
 * (a `release` and an `outcome`): the snapshot and canonical JSON taken at append, then sealing
 * (chain members, SHA-256, the stored line).
 */
import { randomUUID } from "node:crypto";
import { prepareRecord, sealRecord } from "../../src/audit/chain.js";
import { percentiles } from "../lib/load.js";
import { releaseLike } from "./audit-group-commit.js";

export interface SealBenchResult {
  /** Median µs per record over the rounds, append to sealed line. */
  releaseUs: number;
  outcomeUs: number;
}

const PREV = "ab".repeat(32);

export function benchAuditSeal(records = 20_000, rounds = 7): SealBenchResult {
  const release = Array.from({ length: records }, (_, i) => releaseLike(0, i));
  const outcome = Array.from({ length: records }, () => ({
    type: "outcome",
    requestId: randomUUID(),
    release: "cd".repeat(32),
    status: 200,
    bytesIn: 0,
    bytesOut: 11,
    durationMs: 2,
  }));
  const ts = Array.from({ length: records }, (_, i) => new Date(1.8e12 + i).toISOString());
  const time = (list: Record<string, unknown>[]) => {
    const t0 = performance.now();
    for (let i = 0; i < list.length; i++) sealRecord(prepareRecord(list[i]!, ts[i]!), i, PREV);
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
