/**
 * One readable row per record for `audit tail`. Only whitelisted fields are printed, and every
 * value is stripped of control and bidi characters (host and path come from agents and must not
 * drive or disguise the operator's terminal).
 */
import type { AuditRecord } from "./record.js";

const WIDTH = { ts: 24, seq: 8, event: 34, agent: 20 } as const;

/** Column titles matching `formatRecordRow`. */
export const TAIL_HEADER = row("TIME", "SEQ", "EVENT", "AGENT", "REQUEST");

/** e.g. `2026-01-02T03:04:05.678Z  12  outcome 200 12ms  agent-prod-1  POST api.x.com/v1`. */
export function formatRecordRow(r: AuditRecord): string {
  const agent = r.agent as { name?: unknown } | undefined;
  return row(text(r.ts), text(r.seq), event(r), text(agent?.name), detail(r));
}

function event(r: AuditRecord): string {
  switch (r.type) {
    case "deny":
      return join("deny", text(r.code));
    case "outcome":
      return join("outcome", text(r.status), `${text(r.durationMs)}ms`);
    case "lease":
      return join("lease", text(r.action));
    case "deny_summary":
      return join("deny_summary", `×${text(r.count)}`);
    default:
      return text(r.type);
  }
}

function detail(r: AuditRecord): string {
  switch (r.type) {
    case "release":
    case "deny":
      return r.method === undefined && r.host === undefined
        ? ""
        : join(text(r.method), text(r.host) + opt(r.path));
    case "outcome":
      return join("request", text(r.requestId), r.error === undefined ? "" : "error", opt(r.error));
    case "start":
      return join("listen", text(r.listen), "pid", text(r.pid));
    case "stop":
      return opt(r.reason);
    case "config":
      return join("config", text(r.configHash).slice(0, 16));
    case "recovery":
      return join("cut", text(r.truncatedBytes), "bytes from", text(r.file));
    case "lease":
      return join(text(r.leaseId), "backend", text(r.backend), "request", text(r.requestId));
    case "deny_summary":
      return join(codeCounts(r.codes), "since", text(r.since));
    default:
      return "";
  }
}

/** `ERR_A×3 ERR_B×1` from a summary's `{code: count}`; anything else as "-". */
function codeCounts(codes: unknown): string {
  if (codes === null || typeof codes !== "object") return "-";
  return Object.entries(codes)
    .map(([code, n]) => `${text(code)}×${text(n)}`)
    .join(" ");
}

function row(ts: string, seq: string, ev: string, agent: string, request: string): string {
  return [
    fit(ts, WIDTH.ts).padEnd(WIDTH.ts),
    fit(seq, WIDTH.seq).padStart(WIDTH.seq),
    fit(ev, WIDTH.event).padEnd(WIDTH.event),
    fit(agent, WIDTH.agent).padEnd(WIDTH.agent),
    request,
  ].join("  ");
}

/** A string or number as safe text; anything else as "-". */
function text(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return "-";
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "?");
}

function opt(value: unknown): string {
  return value === undefined ? "" : text(value);
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== "").join(" ");
}

function fit(value: string, width: number): string {
  return value.length > width ? value.slice(0, width - 1) + "…" : value;
}
