/**
 * Closes backends the proxy no longer uses, so their connection pools do not outlive them: those a
 * reload replaced or removed (once in-flight fetches have had their deadline to finish — a later
 * lease revocation opens a fresh connection), and every backend when the proxy stops. A close that
 * fails is logged (backends/log-failure.ts) and never blocks a reload or a stop.
 */
import type { Backend } from "../backends/backend.js";
import { logBackendFailure } from "../backends/log-failure.js";
import type { Logger } from "../log.js";
import type { RuntimeState } from "./runtime.js";

export interface BackendCloser {
  /** Schedules closing the backends of `prev` that `next` does not reuse, after `graceMs`. */
  retire(prev: RuntimeState, next: RuntimeState, graceMs: number): void;
  /** Closes the retiring backends now, and every backend of `current`. */
  closeAll(current: RuntimeState): Promise<void>;
}

export function createBackendCloser(logger: Logger): BackendCloser {
  const retiring = new Map<Backend, NodeJS.Timeout>();
  const close = async (backends: Iterable<Backend>): Promise<void> => {
    await Promise.all(
      [...backends].map((b) =>
        b.close().catch((err: unknown) => logBackendFailure(logger, b.name, "close", err)),
      ),
    );
  };
  return {
    retire(prev, next, graceMs) {
      const kept = new Set(next.backends.values());
      for (const b of prev.backends.values()) {
        if (kept.has(b) || retiring.has(b)) continue;
        const timer = setTimeout(() => {
          retiring.delete(b);
          void close([b]);
        }, graceMs);
        timer.unref();
        retiring.set(b, timer);
      }
    },
    async closeAll(current) {
      for (const timer of retiring.values()) clearTimeout(timer);
      const all = new Set([...retiring.keys(), ...current.backends.values()]);
      retiring.clear();
      await close(all);
    },
  };
}
