/**
 * What is known about a request when it is refused. A leaf type module so the refusal writer
 * (proxy/refuse) and the observer's request summary (observe/request-observation) can share it
 * without importing each other.
 */
import type { Agent } from "../agents.js";

/** What is known about a request when it is refused. Never holds secrets. */
export interface DenyInfo {
  requestId: string;
  agent?: Agent;
  route?: string;
  method?: string;
  host?: string;
  path?: string;
  replayId?: string;
  replayClaimed?: boolean;
  exp?: number;
  /** Set when the refusal was counted into a `deny_summary` (no record or log line of its own). */
  aggregated?: boolean;
}
