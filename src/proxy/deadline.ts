/**
 * The 5-second cap (spec §3): from the request head arriving to the upstream response head
 * arriving. Every await on the request path races this deadline; after the head, streams are
 * bounded by an idle timeout instead. An agent that hangs up before the head ends it too, so a
 * request nobody waits for stops at the step it is in (and a late credential is released at once).
 *
 * Hot path: one timer and one `close` listener per request, and callbacks instead of an
 * AbortController: Node's AbortController/EventTarget cost more than the rest of this file
 * together. The upstream call is torn down from `onFire` (forward.ts); a backend that needs an
 * AbortSignal gets one of its own (fetch-credential.ts).
 */
import type { EventEmitter } from "node:events";
import { SigilError } from "../errors.js";

export interface Deadline {
  /** Why it fired (deadline passed, agent gone), or undefined while the request may go on. */
  readonly reason: SigilError | undefined;
  /** Resolves with `p`, or rejects with the deadline's reason when it fires first. */
  race<T>(p: Promise<T>): Promise<T>;
  /** Calls `fn(reason)` when the deadline fires (at once if it has); returns the unsubscribe. */
  onFire(fn: (reason: SigilError) => void): () => void;
  clear(): void;
}

/** `agent`: the agent's response or socket; its `close` before `clear()` ends the request. */
export function createDeadline(ms: number, agent?: EventEmitter): Deadline {
  return new RequestDeadline(ms, agent);
}

class RequestDeadline implements Deadline {
  reason: SigilError | undefined;
  #listeners: ((reason: SigilError) => void)[] = [];
  #timer: NodeJS.Timeout;
  #agent: EventEmitter | undefined;
  #gone = () => this.#fire(agentGone());

  constructor(ms: number, agent: EventEmitter | undefined) {
    this.#timer = setTimeout(() => this.#fire(exceeded()), ms);
    this.#timer.unref();
    this.#agent = agent;
    agent?.once("close", this.#gone);
  }

  race<T>(p: Promise<T>): Promise<T> {
    if (this.reason) {
      p.catch(() => {}); // the caller gave up on it: its rejection is not unhandled
      return Promise.reject(this.reason);
    }
    return new Promise<T>((resolve, reject) => {
      // Through a microtask, as Promise.race would: when `p` settled in the same turn just
      // before the deadline fired (a body read failing as the agent hangs up), `p` wins.
      const off = this.onFire((reason) => queueMicrotask(() => reject(reason)));
      p.then(
        (value) => {
          off();
          resolve(value);
        },
        (err: unknown) => {
          off();
          reject(err);
        },
      );
    });
  }

  onFire(fn: (reason: SigilError) => void): () => void {
    if (this.reason) {
      fn(this.reason);
      return noop;
    }
    this.#listeners.push(fn);
    return () => {
      const i = this.#listeners.indexOf(fn);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#agent?.off("close", this.#gone);
    this.#agent = undefined;
    this.#listeners = [];
  }

  #fire(reason: SigilError): void {
    if (this.reason) return;
    this.reason = reason;
    const listeners = this.#listeners;
    this.clear();
    for (const fn of listeners) fn(reason);
  }
}

function noop(): void {}

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
