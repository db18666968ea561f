/**
 * How many more file descriptors this process may open (soft RLIMIT_NOFILE minus those open), so
 * a load test can size itself down, and say so, on a machine with a low `ulimit -n`.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Descriptors open in this process now (Linux /proc; NaN elsewhere). */
export function openFdCount(pid: number | "self" = "self"): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Soft limit minus open descriptors; Infinity when unknown or unlimited. */
export function fdHeadroom(): number {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    if (soft === undefined || soft === "unlimited") return Infinity;
    return Number(soft) - openFdCount();
  } catch {
    return Infinity;
  }
}
