/** POST a body of `size` bytes and get the same size back, at concurrency 10 over keep-alive. */
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { failures, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

export async function bodies(ctx: ScenarioContext, size: number, key: string): Promise<Metrics> {
  const agent = createConnectAgent(ctx.contender.connect, 10);
  const body = Buffer.alloc(size, 0x62);
  const large = size > 64 * 1024;
  try {
    await runPlanned(ctx, agent, {
      n: 20,
      concurrency: 10,
      method: "POST",
      body,
      path: (i) => `/v1/echo?bytes=${size}&warm=${i}`,
      maxMs: ctx.burstMs,
    });
    const r = await runPlanned(ctx, agent, {
      n: large ? 600 : 6000,
      concurrency: 10,
      method: "POST",
      body,
      path: (i) => `/v1/echo?bytes=${size}&i=${i}`,
      maxMs: ctx.burstMs,
    });
    return {
      [`${key}.rps`]: r.rps,
      [`${key}.p50`]: r.p50,
      [`${key}.p99`]: r.p99,
      [`${key}.mbps`]: (r.rps * size * 2) / 1e6,
      [`${key}.errors`]: failures(r),
    };
  } finally {
    agent.destroy();
  }
}
