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

/**
 * Adds, to each contender of one run, numbers that need another contender of the same run: added
 * latency at c=1 over direct (`ka1.addP50`, `ka1.addP99`) and CPU per request at c=10 over the
 * floor's (`ka10.cpuVsFloor`), so their medians are medians of within-run differences and ratios.
 */
export function withDerived(run: Record<string, Metrics>): Record<string, Metrics> {
  const direct = run["direct"];
  const floorCpu = run["floor"]?.["ka10.cpuMs"];
  for (const m of Object.values(run)) {
    if (direct && m !== direct) {
      for (const q of ["p50", "p99"] as const) {
        const [x, d] = [m[`ka1.${q}`], direct[`ka1.${q}`]];
        if (Number.isFinite(x) && Number.isFinite(d)) {
          m[`ka1.add${q.toUpperCase()}`] = difference(x!, d!);
        }
      }
    }
    const cpu = m["ka10.cpuMs"];
    if (Number.isFinite(cpu) && Number.isFinite(floorCpu)) {
      m["ka10.cpuVsFloor"] = ratio(cpu!, floorCpu!);
    }
  }
  return run;
}
