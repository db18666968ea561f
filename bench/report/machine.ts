/** The machine a run happened on, including how busy it was: the table means little without it. */
import { cpus, loadavg, release, totalmem } from "node:os";
import { readFileSync } from "node:fs";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  os: string;
  kernel: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started and ended. */
  loadStart: number[];
  loadEnd?: number[];
}

export function describeMachine(): MachineInfo {
  let os = "unknown";
  try {
    os = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os;
  } catch {
    // not Linux
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    os,
    kernel: release(),
    node: process.version,
    loadStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

export function currentLoad(): number[] {
  return loadavg().map((l) => Number(l.toFixed(2)));
}
