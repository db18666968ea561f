/**
 * One secret read (or PKI issue) turned into a Credential. KV v2 replies nest the values in
 * `data.data` beside `data.metadata`; KV v1, dynamic secrets and PKI put them in `data`. A reply
 * with a `lease_id` is a dynamic secret: its lease is revoked (`PUT sys/leases/revoke`) when the
 * credential is released; a reply that cannot be used hands its lease back in an UnusedLeaseError.
 * https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version
 */
import { setTimeout as sleep } from "node:timers/promises";
import { SigilError } from "../../errors.js";
import { createCredential, UnusedLeaseError, type Credential } from "../backend.js";
import { credentialFromBytes } from "../fields.js";
import { logBackendFailure } from "../log-failure.js";
import type { Logger } from "../../log.js";
import type { VaultClient } from "./client.js";
import { vaultFailure, vaultMalformed } from "./failure.js";
import type { VaultSecretRef } from "./secret-ref.js";
import type { VaultSettings } from "./settings.js";

export async function readVaultSecret(
  settings: VaultSettings,
  client: VaultClient,
  ref: VaultSecretRef,
  signal: AbortSignal,
  logger?: Logger,
): Promise<Credential> {
  const reply = await client.call(
    { method: ref.method, path: ref.path, ...(ref.body ? { body: ref.body } : {}) },
    signal,
  );
  const what = ref.method === "POST" ? "certificate issue" : "secret read";
  if (reply.status !== 200) throw vaultFailure(settings.name, what, reply.status, reply.body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body.toString("utf8"));
  } catch {
    throw vaultMalformed(settings.name, what);
  } finally {
    reply.body.fill(0);
  }
  const top = asObject(parsed);
  const leaseId = typeof top?.["lease_id"] === "string" ? top["lease_id"] : "";
  const revoke = () => revokeLease(settings, client, leaseId, logger);
  try {
    const values = secretValues(ref, top);
    if (!values) throw vaultMalformed(settings.name, what);
    const fields = credentialFromBytes(Buffer.from(JSON.stringify(values), "utf8"), ref.field);
    return leaseId
      ? createCredential(fields, { leaseId, onRelease: revoke })
      : createCredential(fields);
  } catch (err) {
    // The lease exists whatever went wrong: hand it back so the caller revokes and accounts for it.
    if (leaseId && err instanceof SigilError) {
      throw new UnusedLeaseError(err, createCredential(new Map(), { leaseId, onRelease: revoke }));
    }
    throw err;
  }
}

/** Pause before the one retry of a failed revocation (a Vault standby fails over, a blip passes). */
const REVOKE_RETRY_MS = 200;

/**
 * Revokes a dynamic secret's lease with the backend's own timeout per attempt (the request is
 * over); a failed attempt is retried once, and the second failure is the caller's to report.
 */
export async function revokeLease(
  settings: VaultSettings,
  client: VaultClient,
  leaseId: string,
  logger?: Logger,
): Promise<void> {
  try {
    await revokeOnce(settings, client, leaseId);
  } catch (err) {
    logBackendFailure(logger, settings.name, "lease revoke (retrying once)", err);
    await sleep(REVOKE_RETRY_MS);
    await revokeOnce(settings, client, leaseId);
  }
}

async function revokeOnce(
  settings: VaultSettings,
  client: VaultClient,
  leaseId: string,
): Promise<void> {
  const reply = await client.call(
    { method: "PUT", path: "sys/leases/revoke", body: { lease_id: leaseId } },
    AbortSignal.timeout(settings.timeoutMs),
  );
  if (reply.status !== 204 && reply.status !== 200) {
    throw vaultFailure(settings.name, "lease revocation", reply.status, reply.body);
  }
}

/**
 * The secret's name → value pairs: KV v2's inner `data` when the path has a `data` segment and the
 * reply has the v2 shape, else `data`. Arrays of strings (PKI `ca_chain`) become one PEM bundle.
 */
function secretValues(
  ref: VaultSecretRef,
  top: Record<string, unknown> | undefined,
): Record<string, string> | undefined {
  const data = asObject(top?.["data"]);
  if (!data) return undefined;
  const inner = asObject(data["data"]);
  const isV2 = ref.segments.slice(1).includes("data") && inner && asObject(data["metadata"]);
  const source = isV2 ? inner : data;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[k] = pemBundle(v);
  }
  return out;
}

function pemBundle(parts: readonly string[]): string {
  return parts.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
