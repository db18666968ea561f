/**
 * One real fetch through a configured backend, described without its value: `backends test` and
 * `doctor` both use it. The credential is released (zeroed, lease revoked) before returning.
 */
import { backendTimeoutMs } from "./options.js";
import type { BackendEntry } from "../config/schema.js";
import { SigilError } from "../errors.js";
import type { Backend } from "./backend.js";
import { isBackendKind, openBackend, type BackendDeps } from "./index.js";

/** What a test fetch saw: timing, field names and sizes, never values. */
export interface TestFetchResult {
  durationMs: number;
  fields: { name: string; bytes: number }[];
  leaseId?: string;
}

/** Fetches `secretRef` once, bounded by the backend's own timeout. */
export async function testFetch(
  entry: BackendEntry,
  secretRef: string,
  deps: BackendDeps,
): Promise<TestFetchResult> {
  if (!isBackendKind(entry.kind)) {
    throw new SigilError("ERR_CONFIG_INVALID", `unknown kind ${entry.kind}`);
  }
  const backend = await openBackend(entry.name, entry.kind, entry.options, deps);
  return describeFetch(backend, secretRef, backendTimeoutMs(entry.options));
}

/** One fetch through an existing backend (the running proxy's own), described and released. */
export async function describeFetch(
  backend: Backend,
  secretRef: string,
  timeoutMs: number,
): Promise<TestFetchResult> {
  const started = performance.now();
  const cred = await backend.fetch(secretRef, { signal: AbortSignal.timeout(timeoutMs) });
  const durationMs = Math.round(performance.now() - started);
  const fields = [...cred.fields].map(([name, buf]) => ({ name, bytes: buf.length }));
  const leaseId = cred.leaseId;
  await cred.release();
  return { durationMs, fields, ...(leaseId !== undefined ? { leaseId } : {}) };
}
