/**
 * The proxy's observation hook: one summary per request, tunnel open/close, audit durable-write
 * latency. Metrics and the dashboard implement it; the request path calls it and never waits on
 * it. `guardObserver` makes sure an observer bug can never throw into a request.
 */
import type { Logger } from "../log.js";

/** How a request ended, in the audit log's terms. */
export type Decision =
  /** A `release` record was written and the response completed. */
  | "allow"
  /** Refused before any credential was released: a `deny` record. */
  | "deny"
  /** A credential was released but the request failed afterwards: an `outcome` with an error. */
  | "error";

/** Phase durations in ms; a phase the request never reached is absent. */
export interface PhaseTimes {
  /** Agent checks and route matching. */
  auth?: number;
  /** Attestation verify, intent binding (with any body read) and replay claim. */
  attestation?: number;
  /** Credential fetch from the backend. */
  backend?: number;
  /** Forwarding: from the upstream request to the end of the response body. */
  upstream?: number;
  /** Head to end; absent for refusals at the front door (CONNECT, absolute-form), not timed. */
  total?: number;
}

/** The one summary of a finished request. Holds no path, query, token, attestation or credential. */
export interface RequestSummary {
  /** The id the request's audit record carries. */
  requestId: string;
  /** Epoch ms when the request ended (the proxy's clock). */
  time: number;
  agentId?: string;
  agentName?: string;
  method: string;
  host?: string;
  route?: string;
  backend?: string;
  decision: Decision;
  /** HTTP status sent to the agent; 0 when none was (the agent went away first). */
  status: number;
  /** The ERR_* code for a deny or an error. */
  code?: string;
  /** Its human reason (a SigilError reason, safe to show), when the proxy refused or failed. */
  reason?: string;
  phases: PhaseTimes;
}

/** Receives the proxy's observations. Calls are synchronous and must be cheap. */
export interface ProxyObserver {
  request(summary: RequestSummary): void;
  tunnelOpened(): void;
  tunnelClosed(): void;
  /** One audit batch made durable (write + fdatasync): how long it took and how many records. */
  auditWrite(ms: number, records: number): void;
}

export const noopObserver: ProxyObserver = {
  request() {},
  tunnelOpened() {},
  tunnelClosed() {},
  auditWrite() {},
};

/** Several observers as one, in order. */
export function fanOut(observers: readonly ProxyObserver[]): ProxyObserver {
  return {
    request: (s) => observers.forEach((o) => o.request(s)),
    tunnelOpened: () => observers.forEach((o) => o.tunnelOpened()),
    tunnelClosed: () => observers.forEach((o) => o.tunnelClosed()),
    auditWrite: (ms, n) => observers.forEach((o) => o.auditWrite(ms, n)),
  };
}

/** Wraps an observer so that a throw is logged once (by type only) and swallowed. */
export function guardObserver(inner: ProxyObserver, logger: Logger): ProxyObserver {
  let reported = false;
  const safe =
    <A extends unknown[]>(call: (...args: A) => void) =>
    (...args: A): void => {
      try {
        call(...args);
      } catch (err) {
        if (reported) return;
        reported = true;
        logger.log("error", "observer failed; metrics may be incomplete", {
          errorType: err instanceof Error ? err.name : typeof err,
        });
      }
    };
  return {
    request: safe((s: RequestSummary) => inner.request(s)),
    tunnelOpened: safe(() => inner.tunnelOpened()),
    tunnelClosed: safe(() => inner.tunnelClosed()),
    auditWrite: safe((ms: number, n: number) => inner.auditWrite(ms, n)),
  };
}
