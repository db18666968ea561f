/**
 * The 5-second cap (spec §3): from the request head arriving to the upstream response head
 * arriving. Every await on the request path races this deadline; after the head, streams are
 * bounded by an idle timeout instead.
 */
import { SigilError } from "../errors.js";

export interface Deadline {
  readonly signal: AbortSignal;
  /** Resolves with `p`, or rejects with ERR_DEADLINE_EXCEEDED when the cap fires first. */
  race<T>(p: Promise<T>): Promise<T>;
  clear(): void;
}

export function createDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(exceeded()), ms);
  timer.unref();
  const expired = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(exceeded()), { once: true });
  });
  expired.catch(() => {});
  return {
    signal: controller.signal,
    race: (p) => Promise.race([p, expired]),
    clear: () => clearTimeout(timer),
  };
}

function exceeded(): SigilError {
  return new SigilError(
    "ERR_DEADLINE_EXCEEDED",
    "no upstream response head within the request deadline",
  );
}
