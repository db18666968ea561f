/**
 * Single-use enforcement for attestation replay ids (spec §5.3). A store answers one question,
 * atomically: "is this id new? if so, it is now taken until `expiresAtMs`".
 * Implementations: memory.ts (one process, rebuilt from the audit log at start-up) and, later,
 * a Redis store shared by a fleet. Both run test/replay/contract.ts.
 */

export interface ReplayStore {
  /**
   * Claims `id` until `expiresAtMs` (epoch ms). Resolves `true` for the single caller that got it,
   * `false` when it was already taken. Rejects with SigilError `ERR_REPLAY_STORE_UNAVAILABLE` when
   * the store cannot answer, so callers fail closed.
   */
  claim(id: string, expiresAtMs: number): Promise<boolean>;
  /**
   * The same claim answered synchronously, by a store that can (memory.ts): the request path then
   * spends no promise on it. Stores that must ask a server (Redis) leave it out.
   */
  claimNow?(id: string, expiresAtMs: number): boolean;
  /** Releases resources (timers, connections). */
  close(): Promise<void>;
}

/** How long a replay id is held, whatever the store: until the token's `exp` plus 300 s (spec §5.3). */
export function replayHoldUntilMs(expSeconds: number): number {
  return expSeconds * 1000 + 300_000;
}
