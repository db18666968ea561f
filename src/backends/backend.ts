/**
 * The credential backend interface (spec §7): one module per kind, fetched just in time for one
 * request, never cached. A released credential is a set of named fields held in Buffers that the
 * pipeline zeroes when the request completes, whatever its outcome.
 */
import { SigilError } from "../errors.js";

/** A credential released for exactly one request. */
export interface Credential {
  /** Named fields, e.g. `value`, `username`/`password`, `accessKeyId`/`secretAccessKey`. */
  readonly fields: ReadonlyMap<string, Buffer>;
  /** Backend lease to revoke after the request (dynamic secrets), if any. Not secret. */
  readonly leaseId?: string;
  /** Called exactly once when the request is done; zeroes buffers and revokes leases. */
  release(): Promise<void>;
}

export interface FetchContext {
  /** Aborted when the backend's own timeout or the request's 5 s cap fires. */
  readonly signal: AbortSignal;
  /** The route's inline session policy (JSON text) to down-scope this release (aws-sts). */
  readonly sessionPolicy?: string;
  /**
   * Takes over work that may still yield a credential after `signal` aborted (a dynamic secret
   * issued after the caller gave up): the caller releases it and reports a failed revocation.
   * Without it the backend releases such a credential itself.
   */
  readonly adopt?: (late: Promise<Credential>) => void;
}

export interface Backend {
  readonly name: string;
  /** A configurable kind, or `probe` for the proxy's built-in probe backend (docs/doctor.md). */
  readonly kind: BackendKind | "probe";
  /**
   * Fetches the credential named by `secretRef` (route `--secret`; may be empty).
   * Rejects with SigilError ERR_BACKEND_FAILED / ERR_BACKEND_TIMEOUT; never puts a secret in a message.
   */
  fetch(secretRef: string, ctx: FetchContext): Promise<Credential>;
  /**
   * Releases the backend's connections and timers. Called when a reload replaces or removes the
   * backend (after in-flight fetches had their deadline to finish) and when the proxy stops.
   */
  close(): Promise<void>;
}

export const BACKEND_KINDS = [
  "env",
  "hashicorp-vault",
  "aws-secrets-manager",
  "aws-sts",
  "azure-key-vault",
  "gcp-secret-manager",
] as const;

export type BackendKind = (typeof BACKEND_KINDS)[number];

/**
 * A fetch that failed after the backend had already issued a lease (the reply could not be used):
 * the caller must still release `unused`, which revokes the lease, and account for a failure.
 */
export class UnusedLeaseError extends SigilError {
  constructor(
    cause: SigilError,
    readonly unused: Credential,
  ) {
    super(cause.code, cause.reason);
  }
}

/** Builds a Credential whose `release` zeroes every field buffer once. */
export function createCredential(
  fields: Map<string, Buffer>,
  opts: { leaseId?: string; onRelease?: () => Promise<void> } = {},
): Credential {
  let released = false;
  return {
    fields,
    ...(opts.leaseId !== undefined ? { leaseId: opts.leaseId } : {}),
    async release() {
      if (released) return;
      released = true;
      for (const buf of fields.values()) buf.fill(0);
      if (opts.onRelease) await opts.onRelease();
    },
  };
}
