/** A new tunnel and TLS handshake for every request (no keep-alive), one request at a time. */
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { failures, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

export async function newConnection(ctx: ScenarioContext): Promise<Metrics> {
  const agent = createConnectAgent(ctx.contender.connect, 1, false);
  try {
    await runPlanned(ctx, agent, {
      n: 5,
      concurrency: 1,
      path: (i) => `/v1/models?warm=${i}`,
      maxMs: ctx.burstMs,
    });
    const r = await runPlanned(ctx, agent, {
      n: ctx.quick ? 100 : 400,
      concurrency: 1,
      path: (i) => `/v1/models?i=${i}`,
      maxMs: ctx.burstMs,
    });
    return { "new.rps": r.rps, "new.p50": r.p50, "new.p99": r.p99, "new.errors": failures(r) };
  } finally {
    agent.destroy();
  }
}
