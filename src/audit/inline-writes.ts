/**
 * When the audit writer may write a batch synchronously, on the event loop, instead of through
 * libuv's thread pool. Skipping the pool saves a round trip of thread hand-offs per batch (0.1 to
 * 0.2 ms of a release's latency at one request at a time, measured on a busy machine; see
 * docs/performance.md), but a synchronous write blocks every other tunnel, stream and timer of
 * the process until the disk has flushed. So a batch goes inline only when that block is known to
 * be short and nobody is likely to be waiting behind it:
 *
 * - the recent durable-write latency (an EWMA of the measured ms, either path) is below `maxMs`;
 *   there is no inline write until a first batch has been measured, and none after a failure
 *   until the next success;
 * - the batch is small (one request's `release`, maybe with the previous request's `outcome`);
 * - the writer has been idle for at least half as long as a write takes: under load batches
 *   follow each other back to back and stay on the thread pool, where they are group-committed
 *   while the event loop keeps serving. (A whole write's time kept most batches at one request
 *   at a time off the inline path: the gap between them is about the same as a write.)
 */

/** Decides per batch; the writer reports every durable write and every failed batch. */
export interface InlineWritePolicy {
  /** Whether a batch of `records` records, about to be written at `nowMs`, goes inline. */
  shouldInline(records: number, nowMs: number): boolean;
  /** A batch was made durable: it took `ms` and ended at `endMs` (same clock as `nowMs`). */
  observe(ms: number, endMs: number): void;
  /** A batch failed: no inline write until a write has been measured again. */
  reset(): void;
}

export interface InlineWriteLimits {
  /** Inline only while the write latency EWMA is below this (ms). */
  maxMs: number;
  /** Inline only batches of at most this many records. */
  maxRecords: number;
  /** Inline only once the writer has been idle for at least this many times the EWMA. */
  idleFactor: number;
  /** Weight of the newest measurement in the EWMA (0–1]. */
  alpha: number;
}

export const DEFAULT_INLINE_LIMITS: InlineWriteLimits = {
  maxMs: 1,
  maxRecords: 2,
  idleFactor: 0.5,
  alpha: 0.3,
};

/** The writer's policy: small batches inline while the disk is fast and the writer idle. */
export function adaptiveInlineWrites(
  limits: InlineWriteLimits = DEFAULT_INLINE_LIMITS,
): InlineWritePolicy {
  let ewmaMs: number | null = null;
  let lastEndMs = -Infinity;
  return {
    shouldInline: (records, nowMs) =>
      ewmaMs !== null &&
      ewmaMs < limits.maxMs &&
      records <= limits.maxRecords &&
      nowMs - lastEndMs >= limits.idleFactor * ewmaMs,
    observe(ms, endMs) {
      ewmaMs = ewmaMs === null ? ms : ewmaMs + limits.alpha * (ms - ewmaMs);
      lastEndMs = endMs;
    },
    reset() {
      ewmaMs = null;
    },
  };
}
