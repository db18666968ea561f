/**
 * The 5-second cap (spec §3): from the request head arriving to the upstream response head
 * arriving. Every await on the request path races this deadline; after the head, streams are
 * bounded by an idle timeout instead. An agent that hangs up before the head ends it too, so a
 * request nobody waits for stops at the step it is in (and a late credential is released at once).
 */
import type { EventEmitter } from "node:events";
import { SigilError } from "../errors.js";

export interface Deadline {
  readonly signal: AbortSignal;
  /** Resolves with `p`, or rejects with the deadline's reason when it fires first. */
  race<T>(p: Promise<T>): Promise<T>;
  clear(): void;
}

/** `agent`: the agent's response or socket; its `close` before `clear()` ends the request. */
export function createDeadline(ms: number, agent?: EventEmitter): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(exceeded()), ms);
  timer.unref();
  const gone = () => controller.abort(agentGone());
  agent?.once("close", gone);
  const expired = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
      once: true,
    });
  });
  expired.catch(() => {});
  return {
    signal: controller.signal,
    race: (p) => Promise.race([p, expired]),
    clear: () => {
      clearTimeout(timer);
      agent?.off("close", gone);
    },
  };
}

function exceeded(): SigilError {
  return new SigilError(
    "ERR_DEADLINE_EXCEEDED",
    "no upstream response head within the request deadline",
  );
}

function agentGone(): SigilError {
  return new SigilError(
    "ERR_UPSTREAM_FAILED",
    "the agent closed its connection before the response head",
  );
}
