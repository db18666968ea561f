/**
 * In-process replay store. Claims are synchronous under the hood, so of N concurrent claims for
 * one id exactly one wins. Expired ids are swept lazily; the store is rebuilt from the audit log at
 * start-up (see replay/rebuild.ts) so a restart does not reopen used attestations.
 */
import type { ReplayStore } from "./store.js";

export function createMemoryReplayStore(nowMs: () => number = Date.now): ReplayStore & {
  readonly size: number;
} {
  const held = new Map<string, number>();
  let nextSweep = 0;

  function sweep(now: number): void {
    if (now < nextSweep) return;
    nextSweep = now + 10_000;
    for (const [id, until] of held) if (until <= now) held.delete(id);
  }

  function claimNow(id: string, expiresAtMs: number): boolean {
    const now = nowMs();
    sweep(now);
    const until = held.get(id);
    if (until !== undefined && until > now) return false;
    held.set(id, expiresAtMs);
    return true;
  }

  return {
    get size() {
      return held.size;
    },
    claimNow,
    async claim(id, expiresAtMs) {
      return claimNow(id, expiresAtMs);
    },
    async close() {
      held.clear();
    },
  };
}
