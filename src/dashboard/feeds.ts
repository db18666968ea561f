/**
 * What the proxy feeds when the dashboard is on: the activity memory (for the page) and the
 * Prometheus metrics (for /metrics), behind one observer; and the dashboard's listen address,
 * held to the proxy listener's rule (loopback unless --allow-remote).
 */
import type { ChainHead } from "../audit/recovery.js";
import { isLoopback, splitListen } from "../config/listen.js";
import { SigilError } from "../errors.js";
import { createMetrics, type ProxyMetrics } from "../observe/metrics.js";
import { fanOut, type ProxyObserver } from "../observe/observer.js";
import { createActivity, type Activity } from "./activity.js";
import { createAuditIndex, type AuditIndex } from "./audit-index.js";

export const DEFAULT_DASHBOARD_LISTEN = "127.0.0.1:10254";

export interface DashboardFeeds {
  activity: Activity;
  /** Request id → seq of its audit record, fed by the audit writer. */
  auditIndex: AuditIndex;
  metrics: ProxyMetrics;
  observer: ProxyObserver;
}

export function createDashboardFeeds(deps: {
  nowMs: () => number;
  auditHead: () => ChainHead | null;
}): DashboardFeeds {
  const activity = createActivity({ nowMs: deps.nowMs });
  const metrics = createMetrics({ auditHead: deps.auditHead });
  const auditIndex = createAuditIndex();
  return {
    activity,
    metrics,
    auditIndex,
    observer: fanOut([activity.observer, metrics.observer]),
  };
}

/** `HOST:PORT` for the dashboard; a non-loopback host needs `allowRemote`. */
export function dashboardAddress(listen: string, allowRemote: boolean): [string, number] {
  let parsed: [string, number];
  try {
    parsed = splitListen(listen);
  } catch {
    throw new SigilError("ERR_USAGE", "--dashboard expects HOST:PORT");
  }
  if (!isLoopback(parsed[0]) && !allowRemote) {
    throw new SigilError(
      "ERR_USAGE",
      `refusing to serve the dashboard on non-loopback ${parsed[0]} without --allow-remote (it would be readable from the network)`,
    );
  }
  return parsed;
}
