/**
 * Bounds the audit cost of a flood of refusals. Per agent (and one bucket for unauthenticated
 * peers), the first `proxy.rate_limit.deny_records_per_second` refusals of a one-second window get
 * their own `deny` record; the rest are counted, by code, into one `deny_summary` record written
 * when the window closes. Every refusal is still accounted for (individual records plus summary
 * counts), and a flooding agent costs at most one extra record per second. A refusal whose replay
 * id was claimed is always recorded individually: the replay store is rebuilt from those records.
 */
import type { AuditAgent } from "../audit/record.js";
import type { AuditWriter } from "../audit/writer.js";
import type { Logger } from "../log.js";
import type { RuntimeConfig } from "../config/compile.js";

/** What a summary needs of the runtime (not Runtime itself: runtime.ts holds a DenySummary). */
type Runtime = {
  nowMs(): number;
  logger: Logger;
  audit: Pick<AuditWriter, "append">;
  state: { config: Pick<RuntimeConfig, "proxy"> };
};

const WINDOW_MS = 1000;

/** Counts of one agent's current window. */
interface Window {
  agent?: AuditAgent;
  since: string;
  individual: number;
  summarised: number;
  codes: Record<string, number>;
  timer: NodeJS.Timeout;
}

export interface DenySummary {
  /**
   * Counts a refusal; true when it gets its own `deny` record, false when it was added to the
   * window's summary (`mustRecord` refusals are always true).
   */
  admit(agent: AuditAgent | undefined, code: string, mustRecord: boolean): boolean;
  /** Writes every open window's summary now (at shutdown, before the `stop` record). */
  flush(): Promise<void>;
}

export function createDenySummary(rt: () => Runtime): DenySummary {
  const windows = new Map<string, Window>();

  const close = (key: string): Promise<void> => {
    const w = windows.get(key);
    if (!w) return Promise.resolve();
    windows.delete(key);
    clearTimeout(w.timer);
    if (w.summarised === 0) return Promise.resolve();
    const runtime = rt();
    const until = new Date(runtime.nowMs()).toISOString();
    const record = {
      type: "deny_summary",
      ...(w.agent ? { agent: w.agent } : {}),
      count: w.summarised,
      codes: w.codes,
      since: w.since,
      until,
    };
    runtime.logger.log("warn", "refusals summarised", {
      agent: w.agent?.name,
      count: w.summarised,
      codes: w.codes,
    });
    return runtime.audit.append(record, { lazy: true }).then(
      () => undefined,
      () =>
        runtime.logger.log("error", "deny summary could not be written", { count: w.summarised }),
    );
  };

  return {
    admit(agent, code, mustRecord) {
      const key = agent?.id ?? "";
      let w = windows.get(key);
      if (!w) {
        const timer = setTimeout(() => void close(key), WINDOW_MS);
        timer.unref();
        const since = new Date(rt().nowMs()).toISOString();
        w = { ...(agent ? { agent } : {}), since, individual: 0, summarised: 0, codes: {}, timer };
        windows.set(key, w);
      }
      const perSecond = rt().state.config.proxy.rateLimit.denyRecordsPerSecond;
      if (mustRecord || w.individual < perSecond) {
        w.individual++;
        return true;
      }
      w.summarised++;
      w.codes[code] = (w.codes[code] ?? 0) + 1;
      return false;
    },
    async flush() {
      await Promise.all([...windows.keys()].map(close));
    },
  };
}
