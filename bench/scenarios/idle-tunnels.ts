/**
 * Memory held by idle tunnels: open `count` tunnels (CONNECT + TLS + one request each, 25 at a
 * time), leave them idle on the client's keep-alive pools, and read the proxy's RSS and open fds.
 */
import type { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { processTreeStats } from "../lib/proc-stats.js";
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { failures, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

const MB = 1024 * 1024;
/** A peer that cannot open them all within this stops early; `idle.tunnels` says how many. */
const BUDGET_S = { full: 30, quick: 8 };

export async function idleTunnels(ctx: ScenarioContext, count: number): Promise<Metrics> {
  const pid = ctx.contender.pid;
  if (pid === undefined) return {};
  const before = processTreeStats(pid);
  const agents: Agent[] = [];
  let errors = 0;
  try {
    let next = 0;
    const stopAt = performance.now() + (ctx.quick ? BUDGET_S.quick : BUDGET_S.full) * 1000;
    const opener = async () => {
      while (next < count && performance.now() < stopAt) {
        const i = next++;
        const agent = createConnectAgent(ctx.contender.connect, 1);
        agents.push(agent);
        const r = await runPlanned(ctx, agent, {
          n: 1,
          concurrency: 1,
          path: () => `/v1/models?idle=${i}`,
        });
        errors += failures(r);
      }
    };
    await Promise.all(Array.from({ length: 25 }, opener));
    await sleep(ctx.settleMs);
    const held = processTreeStats(pid);
    return {
      "idle.rssMb": held.rssBytes / MB,
      "idle.rssDeltaMb": (held.rssBytes - before.rssBytes) / MB,
      "idle.fds": held.fds,
      "idle.tunnels": agents.length,
      "idle.errors": errors,
    };
  } finally {
    for (const a of agents) a.destroy();
  }
}
