/**
 * What every scenario gets: the running contender, the upstream port and the run's size. Requests
 * are planned up front so per-request headers (sigil-vault's attestations) exist before timing starts.
 */
import type { Agent } from "node:http";
import type { PlannedRequest, RunningContender } from "../contenders/contender.js";
import { runLoad, type LoadResult } from "../lib/load.js";

export interface ScenarioContext extends ScenarioSizes {
  contender: RunningContender;
  upstreamPort: number;
}

/** How big a run is (see lib/options.ts). */
export interface ScenarioSizes {
  quick: boolean;
  /** Upper bound of each timed burst. */
  burstMs: number;
  /** Pause before reading a process's RSS and fds. */
  settleMs: number;
}

/** A scenario's numbers, by metric key (see report/metrics.ts). */
export type Metrics = Record<string, number>;

export const API_HOST = "api.bench.test";

/** Runs `n` planned requests (at most `maxMs`) on `agent`; the Host header carries the port. */
export async function runPlanned(
  ctx: ScenarioContext,
  agent: Agent,
  o: {
    host?: string;
    n: number;
    concurrency: number;
    method?: string;
    path: (i: number) => string;
    body?: Buffer;
    maxMs?: number;
  },
): Promise<LoadResult> {
  const host = o.host ?? API_HOST;
  const authority = `${host}:${ctx.upstreamPort}`;
  const method = o.method ?? "GET";
  const plan: PlannedRequest[] = Array.from({ length: o.n }, (_, i) => ({
    method,
    url: `https://${authority}${o.path(i)}`,
  }));
  const headers = ctx.contender.headersFor(plan);
  return runLoad({
    agent,
    host,
    port: ctx.upstreamPort,
    n: o.n,
    concurrency: o.concurrency,
    method,
    path: o.path,
    headers: (i) => ({ ...headers[i], host: authority }),
    ...(o.body ? { body: o.body } : {}),
    ...(o.maxMs !== undefined ? { maxMs: o.maxMs } : {}),
  });
}

/** Requests that did not end in 200. */
export function failures(r: LoadResult): number {
  return Object.entries(r.statuses).reduce((sum, [s, k]) => sum + (s === "200" ? 0 : k), 0);
}
