/**
 * Per-request timing for the observer: the pipeline marks the moments between phases with
 * performance.now() (no allocation until the end), then `reportRequest` turns them into the one
 * RequestSummary and the one `request` log line.
 */
import type { OutcomeError, SigilError } from "../errors.js";
import type { Logger } from "../log.js";
import type { DenyInfo } from "../proxy/deny-info.js";
import type { Decision, PhaseTimes, ProxyObserver, RequestSummary } from "./observer.js";

/** What reporting needs from the runtime. */
export interface ObserveDeps {
  observer: ProxyObserver;
  logger: Logger;
  nowMs: () => number;
}

/** How the response ended: the status the agent got and the error code, if any. */
export interface RequestEnd {
  status: number;
  error?: OutcomeError;
  /** The refusal's human reason (a SigilError reason: never holds a secret). */
  reason?: string;
}

export class RequestObservation {
  readonly #start = performance.now();
  #routed = -1;
  #attested = -1;
  #fetched = -1;
  #released = -1;
  #end: RequestEnd = { status: 0 };
  #backend: string | undefined;

  /** A route matched (end of auth); its backend is recorded for per-backend latency. */
  routed(backend: string): void {
    this.#routed = performance.now();
    this.#backend = backend;
  }
  /** Attestation, binding and replay claim passed. */
  attested(): void {
    this.#attested = performance.now();
  }
  /** The credential arrived. */
  fetched(): void {
    this.#fetched = performance.now();
  }
  /** The release record is durable: forwarding starts (the decision is no longer a deny). */
  released(): void {
    this.#released = performance.now();
  }
  ended(end: RequestEnd): void {
    this.#end = end;
  }
  failed(err: SigilError): void {
    this.#end = { status: err.status, error: err.code, reason: err.reason };
  }

  summarize(info: DenyInfo, time: number): RequestSummary {
    const end = performance.now();
    const phases: PhaseTimes = { total: end - this.#start };
    if (this.#routed >= 0) phases.auth = this.#routed - this.#start;
    if (this.#attested >= 0) phases.attestation = this.#attested - this.#routed;
    if (this.#fetched >= 0) phases.backend = this.#fetched - this.#attested;
    if (this.#released >= 0) phases.upstream = end - this.#released;
    const { status, error, reason } = this.#end;
    const decision = this.#released < 0 ? "deny" : error === undefined ? "allow" : "error";
    return summary(info, time, decision, status, error, reason, phases, this.#backend);
  }
}

/** Reports a finished pipeline request: observer first (guarded by the caller), then the log line. */
export function reportRequest(rt: ObserveDeps, obs: RequestObservation, info: DenyInfo): void {
  report(rt, obs.summarize(info, rt.nowMs()), info.aggregated !== true);
}

/** Reports a refusal made before the pipeline (CONNECT, absolute-form, malformed HTTP): untimed. */
export function reportRefusal(rt: ObserveDeps, err: SigilError, info: DenyInfo): void {
  const s = summary(info, rt.nowMs(), "deny", err.status, err.code, err.reason, {}, undefined);
  report(rt, s, info.aggregated !== true);
}

/** One literal with every key (absent ones undefined): one object shape, no spreads. */
function summary(
  info: DenyInfo,
  time: number,
  decision: Decision,
  status: number,
  code: string | undefined,
  reason: string | undefined,
  phases: PhaseTimes,
  backend: string | undefined,
): RequestSummary {
  return {
    requestId: info.requestId,
    time,
    agentId: info.agent?.id,
    agentName: info.agent?.name,
    method: info.method ?? "",
    host: info.host,
    route: info.route,
    backend,
    decision,
    status,
    code,
    reason,
    phases,
  };
}

/** A refusal counted into a `deny_summary` is observed (metrics) but gets no log line of its own. */
function report(rt: ObserveDeps, s: RequestSummary, log: boolean): void {
  rt.observer.request(s);
  if (!log) return;
  rt.logger.log("info", "request", {
    requestId: s.requestId,
    agent: s.agentName,
    method: s.method,
    host: s.host,
    route: s.route,
    decision: s.decision,
    status: s.status,
    code: s.code,
    reason: s.reason,
    ms: s.phases.total === undefined ? undefined : Math.round(s.phases.total * 10) / 10,
  });
}
