/**
 * One bench run as a document: the Markdown printed to the terminal (and pasted into
 * docs/performance.md) and the JSON kept under bench/results/ with every raw number behind it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchOptions } from "../lib/options.js";
import type { AuditBenchResult } from "../micro/audit-group-commit.js";
import type { VerifyBenchResult } from "../micro/attestation-verify.js";
import type { Metrics } from "../scenarios/context.js";
import { FIRST_CONTACT_HOSTS, FIRST_CONTACT_QUICK } from "../scenarios/first-contact.js";
import type { MachineInfo } from "./machine.js";
import { renderRatios, renderTable, renderTargets } from "./print.js";
import { medians, type Runs } from "./summary.js";
import { evaluateTargets } from "./targets.js";

/** Everything a run measured, by contender name. */
export interface RunReport {
  machine: MachineInfo;
  options: BenchOptions;
  /** ISO time the run finished. */
  finishedAt: string;
  minutes: number;
  /** Contenders that ran, in table order, with their versions. */
  versions: Record<string, string>;
  skipped: Record<string, string>;
  runs: Runs;
  long: Record<string, Metrics>;
  audit: AuditBenchResult;
  verify: VerifyBenchResult;
  problems: string[];
}

export function renderReport(r: RunReport): string {
  const names = Object.keys(r.versions);
  const o = r.options;
  const m = r.machine;
  const hosts = o.quick ? FIRST_CONTACT_QUICK : FIRST_CONTACT_HOSTS;
  return [
    `## Sigil Vault bench — ${r.finishedAt.slice(0, 16)}Z, ${r.minutes.toFixed(1)} min, ${o.runs} run(s)${o.quick ? " (quick)" : ""}`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, kernel ${m.kernel}, node ${m.node}; load average ${m.loadStart.join(" / ")} at start, ${(m.loadEnd ?? []).join(" / ")} at end.`,
    `Versions: ${names.map((n) => `${n} ${r.versions[n]}`).join("; ")}.`,
    ...Object.entries(r.skipped).map(([n, why]) => `Skipped: ${n} — ${why}.`),
    "",
    `Medians over ${o.runs} run(s). Once per contender, on a fresh process: soak (${o.soakRps} req/s paced; sigil-vault ${o.soakSeconds} s, peers ${o.soakPeerSeconds} s), first contact (${hosts} hosts), ${o.idleTunnels} idle tunnels.`,
    "",
    renderTable(names, medians(r.runs, names), r.long),
    "",
    "Ratios, pair by pair within each run (median):",
    "",
    renderRatios(r.runs, names),
    "",
    `Micro: audit group commit ${r.audit.recordsPerSec.toFixed(0)} records/s (${r.audit.appenders} appenders, ${r.audit.recordsPerBatch.toFixed(1)} records per fdatasync); attestation verify ${r.verify.verifyAttestationUs.toFixed(1)} µs vs bare crypto.verify ${r.verify.bareVerifyUs.toFixed(1)} µs and bare libsodium ${r.verify.libsodiumVerifyUs.toFixed(1)} µs per token.`,
    "",
    renderTargets(evaluateTargets(r.runs, r.long, r.audit, r.verify)),
    ...(r.problems.length ? ["", "Problems:", ...r.problems.map((p) => `- ${p}`)] : []),
  ].join("\n");
}

/** Writes bench/results/compare-<time>.json (raw numbers) and .md (the table); returns the JSON path. */
export function saveReport(r: RunReport, markdown: string): string {
  const dir = fileURLToPath(new URL("../../../bench/results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `compare-${r.finishedAt.replace(/[:.]/g, "-")}.json`);
  const names = Object.keys(r.versions);
  const json = {
    ...r,
    medians: medians(r.runs, names),
    targets: evaluateTargets(r.runs, r.long, r.audit, r.verify),
  };
  writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  writeFileSync(file.replace(/\.json$/, ".md"), markdown + "\n");
  return file;
}
