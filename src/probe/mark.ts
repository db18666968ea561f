/**
 * Probe traffic is real traffic — a real release through the real pipeline — so it stays in the
 * audit chain, marked `"probe": true` on its release, outcome and deny records; the dashboard and
 * `audit tail` hide it unless asked (`--include-probe`).
 */
import { PROBE_AGENT_ID } from "./names.js";

/** `{ probe: true }` for the reserved probe agent, nothing for everyone else. */
export function probeMark(agentId: string | undefined): { probe?: true } {
  return agentId === PROBE_AGENT_ID ? { probe: true } : {};
}

/** Whether an audit record (or request summary) belongs to the built-in probe. */
export function isProbeRecord(r: object): boolean {
  return (r as { probe?: unknown }).probe === true;
}
