/**
 * The targets of issue #4, evaluated on one bench run. Throughput and latency targets use ratios or
 * differences taken pair by pair within each run; single-session scenarios (idle, soak) and the
 * micro-benchmarks use their one measurement.
 */
import type { AuditBenchResult } from "../micro/audit-group-commit.js";
import type { VerifyBenchResult } from "../micro/attestation-verify.js";
import type { Metrics } from "../scenarios/context.js";
import { difference, pairwise, ratio, type Runs } from "./summary.js";

export interface TargetResult {
  target: string;
  value: number;
  unit: string;
  limit: string;
  /** "skipped" when a contender it needs did not run, or the run was too small (see note). */
  verdict: "pass" | "miss" | "skipped";
  /** Why a measured value does not settle the target (a quick run's smaller sizes). */
  note?: string;
}

const SV = "sigil-vault";

export function evaluateTargets(
  runs: Runs,
  long: Record<string, Metrics>,
  audit: AuditBenchResult | undefined,
  verify: VerifyBenchResult | undefined,
): TargetResult[] {
  const out: TargetResult[] = [];
  const add = (
    target: string,
    value: number,
    unit: string,
    limit: string,
    ok: (v: number) => boolean,
    note?: string,
  ) =>
    out.push({
      target,
      value,
      unit,
      limit,
      verdict: Number.isFinite(value) && !note ? (ok(value) ? "pass" : "miss") : "skipped",
      ...(note ? { note } : {}),
    });
  for (const [peer, min] of [
    ["mitmproxy", 3],
    ["mockttp", 3],
    ["squid-ssl-bump", 0.8],
  ] as const) {
    const r = pairwise(runs, SV, peer, "ka10.rps", ratio).value;
    add(`keep-alive c=10 throughput vs ${peer}`, r, "×", `≥ ${min}×`, (v) => v >= min);
  }
  add(
    "added latency over direct, c=1 p50",
    pairwise(runs, SV, "direct", "ka1.p50", difference).value,
    "ms",
    "≤ 1 ms",
    (v) => v <= 1,
  );
  add(
    "added latency over direct, c=1 p99",
    pairwise(runs, SV, "direct", "ka1.p99", difference).value,
    "ms",
    "≤ 3 ms",
    (v) => v <= 3,
  );
  add(
    "SSE time to first event added over direct",
    pairwise(runs, SV, "direct", "sse.ttfe", difference).value,
    "ms",
    "≤ 5 ms",
    (v) => v <= 5,
  );
  add(
    "SSE streams batched (all runs)",
    sumOver(runs, SV, "sse.batchedStreams"),
    "streams",
    "0",
    (v) => v === 0,
  );
  const s = long[SV] ?? {};
  add("first contact p50", s["first.p50"] ?? NaN, "ms", "≤ 10 ms", (v) => v <= 10);
  const held = s["idle.tunnels"] ?? 0;
  const idleNote = held < 1000 ? `only ${held} tunnels held` : undefined;
  add(
    "1,000 idle tunnels RSS",
    s["idle.rssMb"] ?? NaN,
    "MB",
    "≤ 200 MB",
    (v) => v <= 200,
    idleNote,
  );
  const soakS = s["soak.seconds"] ?? 0;
  const soakNote = soakS < 59 ? `soak lasted ${soakS.toFixed(0)} s, not 60` : undefined;
  const rss = (s["soak.rssAfterMb"] ?? NaN) / (s["soak.rssBeforeMb"] ?? NaN);
  const fds = (s["soak.fdsAfter"] ?? NaN) / (s["soak.fdsBefore"] ?? NaN);
  add("60 s soak RSS after/before", rss, "×", "≤ 1.10×", (v) => v <= 1.1, soakNote);
  add("60 s soak fds after/before", fds, "×", "≤ 1.10×", (v) => v <= 1.1, soakNote);
  add(
    "audit durable records/s (group commit, 256 appenders)",
    audit?.recordsPerSec ?? NaN,
    "rec/s",
    "≥ 5,000",
    (v) => v >= 5000,
  );
  add(
    "attestation verify cost / bare crypto.verify",
    verify?.ratio ?? NaN,
    "×",
    "≤ 1.5×",
    (v) => v <= 1.5,
  );
  return out;
}

function sumOver(runs: Runs, c: string, key: string): number {
  const values = runs.map((r) => r[c]?.[key]).filter((v): v is number => Number.isFinite(v));
  return values.length ? values.reduce((a, b) => a + b, 0) : NaN;
}
