/**
 * Warm-up before a session's first timed burst: a freshly started Node contender (sigil-vault,
 * mockttp) runs its hot path unoptimised for its first thousand requests or so, which would
 * otherwise land in the keep-alive c=1 numbers. Nothing is recorded.
 */
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { runPlanned, type Metrics, type ScenarioContext } from "./context.js";

export async function warmUp(ctx: ScenarioContext): Promise<Metrics> {
  const agent = createConnectAgent(ctx.contender.connect, 10);
  try {
    await runPlanned(ctx, agent, {
      n: ctx.quick ? 1000 : 3000,
      concurrency: 10,
      path: (i) => `/v1/models?warm=${i}`,
      maxMs: ctx.burstMs,
    });
    return {};
  } finally {
    agent.destroy();
  }
}
