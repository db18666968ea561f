/**
 * The dashboard's memory of recent activity, fed by the proxy observer: the last N requests (a
 * ring buffer), denials per code in per-minute buckets for the last hour, counts per agent and per
 * route, backend fetch latency and audit write latency. Bounded: keys are configured agents, routes
 * and backends and ERR_* codes, never a host or path an agent chose.
 */
import type { Decision, ProxyObserver, RequestSummary } from "../observe/observer.js";
import { PROBE_AGENT_ID } from "../probe/names.js";

export const RECENT_REQUESTS = 200;
export const DENIAL_MINUTES = 60;
/** Latency samples kept per backend for percentiles. */
const SAMPLES = 256;

/** Per-decision counts. */
export type Counts = Record<Decision, number>;

/** A summary as the page shows it: ISO time, total ms rounded to 0.1. */
export interface RecentRequest {
  requestId: string;
  time: string;
  agent: string;
  method: string;
  host: string;
  route: string;
  decision: Decision;
  status: number;
  code: string;
  ms: number | null;
}

export interface LatencyStats {
  count: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface ActivitySnapshot {
  totals: Counts;
  recent: RecentRequest[];
  /** Oldest first; one entry per minute of the last hour, empty minutes included. */
  denialsPerMinute: { minute: string; counts: Record<string, number> }[];
  denialsByCode: Record<string, number>;
  agents: ({ id: string; name: string } & Counts)[];
  routes: ({ id: string } & Counts)[];
  backends: ({ name: string } & LatencyStats)[];
  tunnels: { open: number; opened: number };
  auditWrites: LatencyStats & { records: number };
}

export interface Activity {
  observer: ProxyObserver;
  snapshot(): ActivitySnapshot;
}

/** Keeps the last `capacity` samples; percentiles are computed only when asked. */
class Samples {
  readonly #values: number[] = [];
  #next = 0;
  count = 0;
  sum = 0;
  max = 0;
  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (this.#values.length < SAMPLES) this.#values.push(v);
    else this.#values[this.#next] = v;
    this.#next = (this.#next + 1) % SAMPLES;
  }
  stats(): LatencyStats {
    const sorted = [...this.#values].sort((a, b) => a - b);
    const at = (q: number) =>
      round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return {
      count: this.count,
      avgMs: round(this.count ? this.sum / this.count : 0),
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      maxMs: round(this.max),
    };
  }
}

export function createActivity(deps: { nowMs: () => number; capacity?: number }): Activity {
  const capacity = deps.capacity ?? RECENT_REQUESTS;
  const recent: RequestSummary[] = [];
  let next = 0;
  const totals = zero();
  const minutes: { minute: number; counts: Map<string, number> }[] = [];
  const denialsByCode = new Map<string, number>();
  const agents = new Map<string, { id: string; name: string } & Counts>();
  const routes = new Map<string, { id: string } & Counts>();
  const backends = new Map<string, Samples>();
  const audit = new Samples();
  let auditRecords = 0;
  const tunnels = { open: 0, opened: 0 };

  const observer: ProxyObserver = {
    request(s) {
      if (s.agentId === PROBE_AGENT_ID) return; // doctor --probe's traffic (probe/mark.ts)
      if (recent.length < capacity) recent.push(s);
      else recent[next] = s;
      next = (next + 1) % capacity;
      totals[s.decision]++;
      const agentKey = s.agentId ?? "";
      let agent = agents.get(agentKey);
      if (!agent)
        agents.set(agentKey, (agent = { id: agentKey, name: s.agentName ?? "", ...zero() }));
      agent[s.decision]++;
      if (s.route !== undefined) {
        let route = routes.get(s.route);
        if (!route) routes.set(s.route, (route = { id: s.route, ...zero() }));
        route[s.decision]++;
      }
      if (s.backend !== undefined && s.phases.backend !== undefined) {
        let b = backends.get(s.backend);
        if (!b) backends.set(s.backend, (b = new Samples()));
        b.add(s.phases.backend);
      }
      if (s.decision === "deny" && s.code !== undefined) countDenial(s.code, s.time);
    },
    tunnelOpened() {
      tunnels.open++;
      tunnels.opened++;
    },
    tunnelClosed() {
      tunnels.open--;
    },
    auditWrite(ms, records) {
      audit.add(ms);
      auditRecords += records;
    },
  };

  function countDenial(code: string, time: number): void {
    denialsByCode.set(code, (denialsByCode.get(code) ?? 0) + 1);
    const minute = Math.floor(time / 60_000);
    const slot = minute % DENIAL_MINUTES;
    let bucket = minutes[slot];
    if (!bucket || bucket.minute !== minute) minutes[slot] = bucket = { minute, counts: new Map() };
    bucket.counts.set(code, (bucket.counts.get(code) ?? 0) + 1);
  }

  return {
    observer,
    snapshot() {
      const now = Math.floor(deps.nowMs() / 60_000);
      const denialsPerMinute = [];
      for (let m = now - DENIAL_MINUTES + 1; m <= now; m++) {
        const bucket = minutes[m % DENIAL_MINUTES];
        const counts = bucket && bucket.minute === m ? Object.fromEntries(bucket.counts) : {};
        denialsPerMinute.push({ minute: new Date(m * 60_000).toISOString(), counts });
      }
      const ordered = [...recent.slice(next), ...recent.slice(0, next)].reverse();
      return {
        totals: { ...totals },
        recent: ordered.map(toRecent),
        denialsPerMinute,
        denialsByCode: Object.fromEntries(denialsByCode),
        agents: [...agents.values()].map((a) => ({ ...a })),
        routes: [...routes.values()].map((r) => ({ ...r })),
        backends: [...backends].map(([name, b]) => ({ name, ...b.stats() })),
        tunnels: { ...tunnels },
        auditWrites: { ...audit.stats(), records: auditRecords },
      };
    },
  };
}

function toRecent(s: RequestSummary): RecentRequest {
  return {
    requestId: s.requestId,
    time: new Date(s.time).toISOString(),
    agent: s.agentName ?? "",
    method: s.method,
    host: s.host ?? "",
    route: s.route ?? "",
    decision: s.decision,
    status: s.status,
    code: s.code ?? "",
    ms: s.phases.total === undefined ? null : round(s.phases.total),
  };
}

function zero(): Counts {
  return { allow: 0, deny: 0, error: 0 };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
