/** Renders a run as Markdown (readable in a terminal, pasted as-is into docs/performance.md). */
import type { Metrics } from "../scenarios/context.js";
import { METRICS } from "./metrics.js";
import { pairwise, ratio, type Runs } from "./summary.js";
import type { TargetResult } from "./targets.js";

/** Scenarios measured once per contender (see scenarios/index.ts), not medians. */
const ONCE = new Set(["first", "idle", "soak"]);
const RATIO_KEYS = [
  "ka1.rps",
  "ka10.rps",
  "ka50.rps",
  "ka10.cpuMs",
  "new.rps",
  "body1k.rps",
  "body1m.rps",
];

export function renderTable(
  contenders: readonly string[],
  med: Record<string, Metrics>,
  long: Record<string, Metrics>,
): string {
  const head = `| metric | ${contenders.join(" | ")} |`;
  const rule = `|---|${contenders.map(() => "---:").join("|")}|`;
  const rows = METRICS.map((spec) => {
    const scenario = spec.key.split(".")[0]!;
    const cells = contenders.map((c) => {
      const src = ONCE.has(scenario) ? long[c] : med[c];
      const v = src?.[spec.key];
      if (v === undefined || !Number.isFinite(v)) return "–";
      const errors = src?.[`${scenario}.errors`] ?? 0;
      return v.toFixed(spec.digits) + (errors > 0 ? ` (${errors} failed)` : "");
    });
    return `| ${spec.label} | ${cells.join(" | ")} |`;
  });
  return [head, rule, ...rows].join("\n");
}

export function renderRatios(runs: Runs, contenders: readonly string[]): string {
  const peers = contenders.filter((c) => c !== "sigil-vault");
  const head = `| sigil-vault ÷ | ${peers.join(" | ")} |`;
  const rule = `|---|${peers.map(() => "---:").join("|")}|`;
  const rows = RATIO_KEYS.map((key) => {
    const label = METRICS.find((m) => m.key === key)?.label ?? key;
    const cells = peers.map((p) => {
      const r = pairwise(runs, "sigil-vault", p, key, ratio);
      return Number.isFinite(r.value) ? `${r.value.toFixed(2)}×` : "–";
    });
    return `| ${label} | ${cells.join(" | ")} |`;
  });
  return [head, rule, ...rows].join("\n");
}

export function renderTargets(targets: readonly TargetResult[]): string {
  const rows = targets.map((t) => {
    const digits = t.unit === "rec/s" || t.unit === "streams" ? 0 : 2;
    const unit = t.unit === "×" ? "×" : ` ${t.unit}`;
    const value = Number.isFinite(t.value) ? `${t.value.toFixed(digits)}${unit}` : "–";
    const verdict =
      (t.verdict === "pass"
        ? "met"
        : t.verdict === "miss"
          ? "**missed**"
          : t.note
            ? "not settled"
            : "not measured") + (t.note ? ` (${t.note})` : "");
    return `| ${t.target} | ${value} | ${t.limit} | ${verdict} |`;
  });
  return ["| measure | this run | target | verdict |", "|---|---:|---|---|", ...rows].join("\n");
}
