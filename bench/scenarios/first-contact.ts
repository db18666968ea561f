/**
 * First contact: one request to each of many host names never seen by this proxy process, so each
 * one pays for a new leaf certificate (and a new upstream connection). Timed from CONNECT to the
 * end of the response, one host at a time.
 */
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { percentiles } from "../lib/load.js";
import { failures, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

/** Host names for first contact; the upstream's certificate and every resolver know them. */
export function firstContactHosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `fc-${i}.bench.test`);
}

export const FIRST_CONTACT_HOSTS = 200;
export const FIRST_CONTACT_QUICK = 20;
/** A peer slower than this for the whole list stops early; `first.hosts` says where. */
const BUDGET_S = { full: 60, quick: 10 };

export async function firstContact(ctx: ScenarioContext): Promise<Metrics> {
  const hosts = firstContactHosts(ctx.quick ? FIRST_CONTACT_QUICK : FIRST_CONTACT_HOSTS);
  const times: number[] = [];
  const stopAt = performance.now() + (ctx.quick ? BUDGET_S.quick : BUDGET_S.full) * 1000;
  let errors = 0;
  for (const host of hosts) {
    if (performance.now() > stopAt) break;
    const agent = createConnectAgent(ctx.contender.connect, 1, false);
    const r = await runPlanned(ctx, agent, {
      host,
      n: 1,
      concurrency: 1,
      path: () => "/v1/models",
    });
    agent.destroy();
    times.push(r.p50);
    errors += failures(r);
  }
  const p = percentiles(times);
  return {
    "first.p50": p.p50,
    "first.p99": p.p99,
    "first.hosts": times.length,
    "first.errors": errors,
  };
}
