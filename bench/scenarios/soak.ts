/**
 * A paced soak: ten workers share a fixed request rate for `seconds`, each re-opening its tunnel
 * every 100 requests (connection churn). RSS and open fds are read after a warm-up and again
 * after the soak, both times with the client's connections closed and a short settle.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { processTreeStats, type ProcStats } from "../lib/proc-stats.js";
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { failures, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

const WORKERS = 10;
const PER_TUNNEL = 100;
const MB = 1024 * 1024;

export async function soak(ctx: ScenarioContext, seconds: number, rps: number): Promise<Metrics> {
  const pid = ctx.contender.pid;
  if (pid === undefined) return {};
  await paced(ctx, Math.min(5, seconds / 3), rps, "warm");
  const before = await settled(pid, ctx.settleMs);
  const started = performance.now();
  const { done, errors } = await paced(ctx, seconds, rps, "soak");
  const elapsed = (performance.now() - started) / 1000;
  const after = await settled(pid, ctx.settleMs);
  return {
    "soak.seconds": elapsed,
    "soak.rps": done / elapsed,
    "soak.rssBeforeMb": before.rssBytes / MB,
    "soak.rssAfterMb": after.rssBytes / MB,
    "soak.fdsBefore": before.fds,
    "soak.fdsAfter": after.fds,
    "soak.errors": errors,
  };
}

/**
 * WORKERS workers on a fixed schedule, a new tunnel every PER_TUNNEL requests. Attestations are
 * signed just before each request: the soak measures memory and fds, not latency.
 */
async function paced(ctx: ScenarioContext, seconds: number, rps: number, tag: string) {
  const perWorker = Math.ceil((seconds * rps) / WORKERS);
  const intervalMs = (1000 * WORKERS) / rps;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  const stopAt = start + seconds * 1000; // a contender slower than the schedule just does fewer
  const worker = async (id: number) => {
    for (let sent = 0; sent < perWorker && performance.now() < stopAt; sent += PER_TUNNEL) {
      const n = Math.min(PER_TUNNEL, perWorker - sent);
      const agent = createConnectAgent(ctx.contender.connect, 1);
      for (let k = 0; k < n && performance.now() < stopAt; k++) {
        const wait = start + (sent + k) * intervalMs - performance.now();
        if (wait > 0) await sleep(wait);
        const r = await runPlanned(ctx, agent, {
          n: 1,
          concurrency: 1,
          path: () => `/v1/models?${tag}=${id}-${sent + k}`,
        });
        done++;
        errors += failures(r);
      }
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));
  return { done, errors };
}

async function settled(pid: number, ms: number): Promise<ProcStats> {
  await sleep(ms);
  return processTreeStats(pid);
}
