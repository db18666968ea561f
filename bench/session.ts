/**
 * One contender session: start it, run scenarios against it, stop it — and check with the
 * upstream's counters that every request it forwarded carried the credential, so a peer that
 * silently stopped injecting cannot post a good number.
 */
import type { BenchSetup, Contender } from "./contenders/contender.js";
import type { UpstreamProcess } from "./lib/upstream-process.js";
import type { Metrics, ScenarioContext, ScenarioSizes } from "./scenarios/context.js";

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<Metrics>;
}

export interface SessionResult {
  metrics: Metrics;
  /** Seconds each scenario took, for keeping the run inside its time budget. */
  seconds: Record<string, number>;
  /** Requests that reached the upstream without the credential (must be 0). */
  uninjected: number;
  error?: string;
}

export async function runSession(
  contender: Contender,
  setup: BenchSetup,
  upstream: UpstreamProcess,
  sizes: ScenarioSizes,
  scenarios: readonly Scenario[],
): Promise<SessionResult> {
  const before = await upstream.counts();
  const metrics: Metrics = {};
  const seconds: Record<string, number> = {};
  let error: string | undefined;
  let running;
  try {
    running = await contender.start(setup);
  } catch (err) {
    return { metrics, seconds, uninjected: 0, error: `start failed: ${message(err)}` };
  }
  try {
    const ctx: ScenarioContext = { ...sizes, contender: running, upstreamPort: setup.upstreamPort };
    for (const scenario of scenarios) {
      const t0 = performance.now();
      Object.assign(metrics, await scenario.run(ctx));
      seconds[scenario.name] = Number(((performance.now() - t0) / 1000).toFixed(1));
    }
  } catch (err) {
    error = `scenario failed: ${message(err)}`;
  } finally {
    await running.stop();
  }
  const after = await upstream.counts();
  const uninjected = after.unauthorized - before.unauthorized;
  return { metrics, seconds, uninjected, ...(error ? { error } : {}) };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
