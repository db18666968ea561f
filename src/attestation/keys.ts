/**
 * The key ring: anchored keys the verifier consults (loading one anchor is anchor.ts). Loading never
 * throws: a failed anchor is recorded and its tokens are refused as untrusted (fail closed). Refreshes
 * are rate-limited per anchor so tokens with an unloaded kid cannot cause a flood of JWKS fetches.
 */
import type { KeyObject } from "node:crypto";
import { SigilError } from "../errors.js";
import {
  loadAnchorJwk,
  publicKeyFromJwk,
  type AnchorConfig,
  type KeySourceDeps,
} from "./anchor.js";

export { resolveAnchorKey, type AnchorConfig, type KeySourceDeps } from "./anchor.js";

/** A key that matched its anchor's fingerprint, ready for `crypto.verify`. */
export interface AnchoredKey {
  kid: string;
  key: KeyObject;
  anchor: AnchorConfig;
}

/** What `verifyAttestation` needs: is a kid anchored, and is its key loaded. */
export interface KeyLookup {
  get(kid: string): AnchoredKey | undefined;
  isAnchored(kid: string): boolean;
}

/** Load state of one anchor, for `start` output and health reporting. */
export interface AnchorStatus {
  kid: string;
  loaded: boolean;
  /** Reason of the last failed load or refresh (the previous good key stays in use). */
  error?: string;
}

export interface KeyRing extends KeyLookup {
  /** Loads every anchor; failures are recorded in `status()`, never thrown. */
  load(): Promise<void>;
  /** Reloads one anchor, at most once per 30 s; concurrent calls share one attempt. */
  refresh(kid: string): Promise<void>;
  status(): AnchorStatus[];
}

export interface KeyRingDeps extends KeySourceDeps {
  /** Clock for the refresh rate limit. */
  nowMs: () => number;
}

export const REFRESH_INTERVAL_MS = 30_000;

interface Entry {
  anchor: AnchorConfig;
  loaded?: AnchoredKey;
  x?: string;
  error?: string;
  lastAttemptMs?: number;
  inflight?: Promise<void>;
}

/** Creates a key ring for these anchors; call `load()` before serving. */
export function createKeyRing(anchors: readonly AnchorConfig[], deps: KeyRingDeps): KeyRing {
  const entries = new Map<string, Entry>();
  for (const anchor of anchors) {
    if (entries.has(anchor.kid)) {
      throw new SigilError("ERR_TRUST_ANCHOR", `two trust anchors share kid "${anchor.kid}"`);
    }
    entries.set(anchor.kid, { anchor });
  }

  function attempt(entry: Entry): Promise<void> {
    if (entry.inflight !== undefined) return entry.inflight;
    entry.lastAttemptMs = deps.nowMs();
    entry.inflight = loadAnchorJwk(entry.anchor, deps)
      .then((jwk) => {
        // Keep the existing KeyObject when the key did not change: created once, reused per request.
        if (entry.loaded === undefined || entry.x !== jwk.x) {
          entry.loaded = {
            kid: entry.anchor.kid,
            key: publicKeyFromJwk(jwk),
            anchor: entry.anchor,
          };
          entry.x = jwk.x;
        }
        delete entry.error;
      })
      .catch((err: unknown) => {
        entry.error = err instanceof SigilError ? err.reason : "key could not be loaded";
      })
      .finally(() => {
        delete entry.inflight;
      });
    return entry.inflight;
  }

  return {
    get: (kid) => entries.get(kid)?.loaded,
    isAnchored: (kid) => entries.has(kid),
    async load() {
      await Promise.all([...entries.values()].map(attempt));
    },
    async refresh(kid) {
      const entry = entries.get(kid);
      if (entry === undefined) return;
      if (entry.inflight !== undefined) return entry.inflight;
      const last = entry.lastAttemptMs;
      if (last !== undefined && deps.nowMs() - last < REFRESH_INTERVAL_MS) return;
      return attempt(entry);
    },
    status: () =>
      [...entries.values()].map((e) => ({
        kid: e.anchor.kid,
        loaded: e.loaded !== undefined,
        ...(e.error !== undefined ? { error: e.error } : {}),
      })),
  };
}
