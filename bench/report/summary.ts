/**
 * Turns runs into the numbers the table shows: the median of each metric over the runs, and ratios
 * computed pair by pair inside each run (sigil-vault's run r against a peer's run r), then the
 * median of those, so a slow moment on a shared machine hits both sides of a ratio.
 */
import type { Metrics } from "../scenarios/context.js";

/** runs[r][contender] = that run's metrics for the contender (absent when it failed). */
export type Runs = Array<Record<string, Metrics>>;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median over runs of each metric, per contender. */
export function medians(runs: Runs, contenders: readonly string[]): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const c of contenders) {
    const keys = new Set(runs.flatMap((r) => Object.keys(r[c] ?? {})));
    out[c] = {};
    for (const k of keys) {
      const values = runs.map((r) => r[c]?.[k]).filter((v): v is number => Number.isFinite(v));
      out[c]![k] = median(values);
    }
  }
  return out;
}

/** Median over runs of f(a's metrics, b's metrics), using only runs where both have the metric. */
export function pairwise(
  runs: Runs,
  a: string,
  b: string,
  key: string,
  f: (x: number, y: number) => number,
): { value: number; runs: number } {
  const values: number[] = [];
  for (const r of runs) {
    const x = r[a]?.[key];
    const y = r[b]?.[key];
    if (Number.isFinite(x) && Number.isFinite(y)) values.push(f(x!, y!));
  }
  return { value: median(values), runs: values.length };
}

export const ratio = (x: number, y: number): number => x / y;
export const difference = (x: number, y: number): number => x - y;
