/**
 * The shape of audit records (spec §8). The writer is generic: callers pass `{type, ...fields}` and
 * the writer adds the chain members. These types document what the product writes; fields stay
 * optional where a record is written before everything is known (e.g. an early `deny`).
 */

/** Every member the writer adds; callers may not set them. */
export interface ChainFields {
  /** Record format version, always 1. */
  v: 1;
  /** 0, 1, 2, … contiguous across all files of the log. */
  seq: number;
  /** RFC 3339 UTC with milliseconds (`Date.prototype.toISOString()`), taken when `append` was called. */
  ts: string;
  /** `hash` of the previous record; 64 × "0" for the first record ever. */
  prev: string;
  /** SHA-256 hex of the RFC 8785 canonical JSON of the record without its `hash` member. */
  hash: string;
}

/** Names reserved for the chain; an input that sets one of them is refused. */
export const CHAIN_KEYS: readonly string[] = ["v", "seq", "ts", "prev", "hash"];

/** `prev` of the first record ever. */
export const ZERO_HASH = "0".repeat(64);

/** Who made a request, as stored in the config (never the token). */
export interface AuditAgent {
  id: string;
  name: string;
}

/** Vault started listening. */
export interface StartInput {
  type: "start";
  version?: string;
  listen?: string;
  pid?: number;
}

/** Vault stopped (`reason` e.g. "SIGTERM"). */
export interface StopInput {
  type: "stop";
  reason?: string;
}

/**
 * The configuration changed (or was loaded). `configHash` is the SHA-256 of the config file; it
 * cannot be called `hash`, which is the chain's own member.
 */
export interface ConfigInput {
  type: "config";
  configHash?: string;
}

/** A torn last line was cut off at start-up (crash during a write). */
export interface RecoveryInput {
  type: "recovery";
  /** File name (not path) that was repaired. */
  file: string;
  truncatedBytes: number;
}

/** A credential is about to be injected; durable before it is (spec §8 fail closed). */
export interface ReleaseInput {
  type: "release";
  requestId: string;
  agent: AuditAgent;
  /** Route id. */
  route: string;
  /** Backend name. */
  backend: string;
  /** What was fetched (a reference, never the value). */
  secretRef: string;
  leaseId?: string;
  /** The attestation's replay id (`jti` or SHA-256 of the token). */
  replayId: string;
  iss: string;
  kid: string;
  agentId: string;
  intentHash: string;
  policyHash?: string;
  iat: number;
  exp: number;
  /** Result of the §5.4 binding check, e.g. "verified", "absent", "off". */
  binding: string;
  method: string;
  host: string;
  path: string;
  /** Set on the built-in probe's records (doctor --probe); hidden by default in tail and dashboard. */
  probe?: true;
}

/** What happened after a release. */
export interface OutcomeInput {
  type: "outcome";
  requestId: string;
  /** `hash` of the matching `release` record. */
  release: string;
  /** Upstream HTTP status, or 0 when no response head arrived. */
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** `ERR_*` code if the request failed after the release. */
  error?: string;
  /** Copied from the release: the built-in probe's request. */
  probe?: true;
  /** Why the proxy ended the stream or session itself (proxy/access-watch.ts). */
  reason?: string;
}

/** A refused request, with whatever was known when it was refused. */
export interface DenyInput {
  type: "deny";
  requestId: string;
  code: string;
  reason: string;
  agent?: AuditAgent;
  route?: string;
  method?: string;
  host?: string;
  path?: string;
  replayId?: string;
  /** Whether the replay id was claimed before the refusal (it then stays used until `exp + 300 s`). */
  replayClaimed?: boolean;
  exp?: number;
  /** The built-in probe agent was refused (e.g. its replay check). */
  probe?: true;
}

/** A dynamic secret's lease could not be revoked, even on the retry (proxy/releases.ts). */
export interface LeaseInput {
  type: "lease";
  action: "revoke_failed";
  leaseId: string;
  backend: string;
  requestId: string;
  code: string;
  reason: string;
}

/** Every record type the product writes. */
export type KnownAuditInput =
  | StartInput
  | StopInput
  | ConfigInput
  | RecoveryInput
  | ReleaseInput
  | OutcomeInput
  | DenyInput
  | LeaseInput;

/** What `append` accepts: a known record, or any plain-JSON object with a `type`. */
export type AuditInput = KnownAuditInput | { type: string; [field: string]: unknown };

/** A record as stored: the input plus the chain members. */
export type AuditRecord = ChainFields & { type: string; [field: string]: unknown };
