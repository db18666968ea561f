/**
 * Resident memory, open file descriptors and CPU time of a process and all its descendants, read
 * from /proc (Linux), so a proxy with helper processes (squid's certificate generators) is measured
 * whole. CPU time per request is what a busy shared machine cannot distort much, unlike req/s.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStats {
  rssBytes: number;
  fds: number;
  processes: number;
}

/** Sums VmRSS and open fds over `pid` and its descendants; processes that vanish are skipped. */
export function processTreeStats(pid: number): ProcStats {
  const pids = [pid, ...descendants(pid)];
  let rssBytes = 0;
  let fds = 0;
  let processes = 0;
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      rssBytes += kb * 1024;
      fds += readdirSync(`/proc/${p}/fd`).length;
      processes++;
    } catch {
      // exited between the listing and the read
    }
  }
  return { rssBytes, fds, processes };
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU seconds used so far by `pid` and its live descendants. */
export function processTreeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone
    }
  }
  return ticks / USER_HZ;
}

function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [child, parent] of parentOf) if (frontier.includes(parent)) next.push(child);
    out.push(...next);
    frontier = next;
  }
  return out;
}
