/**
 * Keep-alive throughput and latency at a given concurrency: tunnels are opened and warmed first,
 * then a bounded, timed burst of small GETs runs over them. The proxy's CPU time per request is
 * read from /proc around the burst.
 */
import { processTreeCpuSeconds } from "../lib/proc-stats.js";
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { failures, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

export async function keepAlive(ctx: ScenarioContext, concurrency: number): Promise<Metrics> {
  const agent = createConnectAgent(ctx.contender.connect, concurrency);
  try {
    await runPlanned(ctx, agent, {
      n: concurrency * 5,
      concurrency,
      path: (i) => `/v1/models?warm=${i}`,
      maxMs: ctx.burstMs,
    });
    const pid = ctx.contender.pid;
    const cpu0 = pid === undefined ? NaN : processTreeCpuSeconds(pid);
    const r = await runPlanned(ctx, agent, {
      n: ctx.quick ? 2000 : concurrency === 1 ? 4000 : 10000,
      concurrency,
      path: (i) => `/v1/models?i=${i}`,
      maxMs: ctx.burstMs,
    });
    const cpu = pid === undefined ? NaN : processTreeCpuSeconds(pid) - cpu0;
    const k = `ka${concurrency}`;
    return {
      [`${k}.rps`]: r.rps,
      [`${k}.p50`]: r.p50,
      [`${k}.p99`]: r.p99,
      [`${k}.cpuMs`]: (cpu * 1000) / r.n,
      [`${k}.errors`]: failures(r),
    };
  } finally {
    agent.destroy();
  }
}
