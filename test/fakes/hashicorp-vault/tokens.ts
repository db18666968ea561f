/**
 * The fake's token store: service tokens with a TTL, an optional max TTL, renewability, a
 * namespace and a policy reduced to path globs. Unknown, expired or other-namespace tokens get
 * Vault's 403 `permission denied`, as does a path the policy does not grant.
 * https://developer.hashicorp.com/vault/api-docs/auth/token
 */
import { randomBytes, randomUUID } from "node:crypto";

/** What a login or `addToken` grants. */
export interface TokenGrant {
  /** Path globs the token may use (`secret/data/*`, `sys/leases/revoke`); `*` only at the end. */
  paths: string[];
  /** Seconds; 0 = never expires (like a root token). Default 3600. */
  ttlSec?: number;
  /** Default true when ttlSec > 0. */
  renewable?: boolean;
  /** Renewals never extend past this many seconds after creation; default 10 × ttlSec. */
  maxTtlSec?: number;
  /** Default "" (the root namespace). */
  namespace?: string;
}

export interface TokenEntry {
  readonly id: string;
  readonly accessor: string;
  readonly paths: readonly string[];
  readonly namespace: string;
  readonly ttlSec: number;
  readonly renewable: boolean;
  readonly createdAtMs: number;
  /** 0 = never. */
  expiresAtMs: number;
  readonly maxExpiresAtMs: number;
}

export class TokenStore {
  readonly #tokens = new Map<string, TokenEntry>();

  constructor(private readonly nowMs: () => number) {}

  create(grant: TokenGrant): TokenEntry {
    const now = this.nowMs();
    const ttlSec = grant.ttlSec ?? 3600;
    const entry: TokenEntry = {
      id: `hvs.${randomBytes(18).toString("base64url")}`,
      accessor: randomUUID(),
      paths: grant.paths,
      namespace: grant.namespace ?? "",
      ttlSec,
      renewable: ttlSec > 0 && (grant.renewable ?? true),
      createdAtMs: now,
      expiresAtMs: ttlSec > 0 ? now + ttlSec * 1000 : 0,
      maxExpiresAtMs: ttlSec > 0 ? now + (grant.maxTtlSec ?? ttlSec * 10) * 1000 : 0,
    };
    this.#tokens.set(entry.id, entry);
    return entry;
  }

  /** The live token for this id in this namespace, or undefined (→ 403). */
  find(id: string | undefined, namespace: string): TokenEntry | undefined {
    const entry = id === undefined ? undefined : this.#tokens.get(id);
    if (!entry || entry.namespace !== namespace) return undefined;
    if (entry.expiresAtMs !== 0 && this.nowMs() >= entry.expiresAtMs) {
      this.#tokens.delete(entry.id);
      return undefined;
    }
    return entry;
  }

  revoke(id: string): void {
    this.#tokens.delete(id);
  }

  /** Extends the TTL by the token's period, capped at its max TTL; returns the new TTL in s. */
  renew(entry: TokenEntry): number {
    const now = this.nowMs();
    entry.expiresAtMs = Math.min(now + entry.ttlSec * 1000, entry.maxExpiresAtMs);
    return this.remainingSec(entry);
  }

  remainingSec(entry: TokenEntry): number {
    return entry.expiresAtMs === 0
      ? 0
      : Math.max(0, Math.floor((entry.expiresAtMs - this.nowMs()) / 1000));
  }

  /** The `auth` block of a login or renewal reply. */
  authBlock(entry: TokenEntry): Record<string, unknown> {
    return {
      client_token: entry.id,
      accessor: entry.accessor,
      policies: ["default", "sigil-test"],
      token_policies: ["default", "sigil-test"],
      metadata: null,
      lease_duration: this.remainingSec(entry),
      renewable: entry.renewable,
      entity_id: "",
      token_type: "service",
      orphan: true,
    };
  }

  /** The `data` block of `auth/token/lookup-self` (it includes the token id, as Vault's does). */
  lookupBlock(entry: TokenEntry): Record<string, unknown> {
    const expire = entry.expiresAtMs === 0 ? null : new Date(entry.expiresAtMs).toISOString();
    return {
      accessor: entry.accessor,
      creation_time: Math.floor(entry.createdAtMs / 1000),
      creation_ttl: entry.ttlSec,
      display_name: "token",
      expire_time: expire,
      explicit_max_ttl: 0,
      id: entry.id,
      num_uses: 0,
      orphan: true,
      path: "auth/token/create",
      policies: ["default", "sigil-test"],
      renewable: entry.renewable,
      ttl: this.remainingSec(entry),
      type: "service",
    };
  }
}

/** True when one of the policy's globs grants `path`. */
export function policyAllows(paths: readonly string[], path: string): boolean {
  return paths.some((p) => (p.endsWith("*") ? path.startsWith(p.slice(0, -1)) : p === path));
}
