/**
 * Prometheus metrics (`/metrics` on the dashboard listener), built on prom-client with a registry of
 * our own (never the global one), so two proxies in one process — tests — do not share counters.
 * Label values come from closed sets (decisions, ERR_* codes, phases, configured backend names).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ChainHead } from "../audit/recovery.js";
import type { PhaseTimes, ProxyObserver, RequestSummary } from "./observer.js";

export const METRIC_PREFIX = "sigil_vault_";

/** Request phases in seconds: sub-millisecond checks up to long streamed responses. */
export const PHASE_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** One audit batch's write + fdatasync, in seconds. */
export const FSYNC_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

const PHASES = ["auth", "attestation", "backend", "upstream", "total"] as const;

/** The metrics registry and the observer that feeds it. */
export interface ProxyMetrics {
  observer: ProxyObserver;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** `auditHead` is read at scrape time for the chain-sequence gauge. */
export function createMetrics(deps: { auditHead: () => ChainHead | null }): ProxyMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const requests = new Counter({
    name: `${METRIC_PREFIX}requests_total`,
    help: "Requests by decision (allow, deny, error) and ERR_* code (none when allowed).",
    labelNames: ["decision", "code"],
    registers,
  });
  const phase = new Histogram({
    name: `${METRIC_PREFIX}request_phase_seconds`,
    help: "Time spent per request phase: auth, attestation, backend, upstream, total.",
    labelNames: ["phase"],
    buckets: PHASE_BUCKETS,
    registers,
  });
  const phaseChildren = PHASES.map((p) => phase.labels({ phase: p }));
  const backend = new Histogram({
    name: `${METRIC_PREFIX}backend_fetch_seconds`,
    help: "Credential fetch time per configured backend.",
    labelNames: ["backend"],
    buckets: PHASE_BUCKETS,
    registers,
  });
  const fsync = new Histogram({
    name: `${METRIC_PREFIX}audit_fsync_seconds`,
    help: "Time to make one audit batch durable (write + fdatasync).",
    buckets: FSYNC_BUCKETS,
    registers,
  });
  const auditRecords = new Counter({
    name: `${METRIC_PREFIX}audit_records_total`,
    help: "Audit records made durable.",
    registers,
  });
  const tunnelsOpen = new Gauge({
    name: `${METRIC_PREFIX}tunnels_open`,
    help: "CONNECT tunnels currently open (TLS terminated by the proxy).",
    registers,
  });
  const tunnelsOpened = new Counter({
    name: `${METRIC_PREFIX}tunnels_opened_total`,
    help: "CONNECT tunnels opened since start.",
    registers,
  });
  new Gauge({
    name: `${METRIC_PREFIX}audit_chain_seq`,
    help: "Sequence number of the audit chain head (-1 for an empty log).",
    registers,
    collect() {
      this.set(deps.auditHead()?.seq ?? -1);
    },
  });

  const observer: ProxyObserver = {
    request(s: RequestSummary) {
      requests.inc({ decision: s.decision, code: s.code ?? "none" });
      observePhases(phaseChildren, s.phases);
      if (s.backend !== undefined && s.phases.backend !== undefined) {
        backend.observe({ backend: s.backend }, s.phases.backend / 1000);
      }
    },
    tunnelOpened() {
      tunnelsOpen.inc();
      tunnelsOpened.inc();
    },
    tunnelClosed() {
      tunnelsOpen.dec();
    },
    auditWrite(ms, records) {
      fsync.observe(ms / 1000);
      auditRecords.inc(records);
    },
  };
  return {
    observer,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

function observePhases(children: { observe(v: number): void }[], p: PhaseTimes): void {
  const values = [p.auth, p.attestation, p.backend, p.upstream, p.total];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined) children[i]!.observe(v / 1000);
  }
}
