/**
 * Per-host leaf certificates for the MITM listener (spec §3): a fresh P-256 key per host (never one
 * key for all leaves), short validity, cached with a ready SecureContext in a bounded LRU.
 * Leaves for hosts no route covers (tunnels that only answer ERR_NO_ROUTE) live in a second, small
 * LRU: any authenticated agent can name arbitrary hosts, and must not evict routed hosts' leaves.
 */
import { generateKeyPairSync } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import { SigilError } from "../errors.js";
import type { IssuingCa } from "./ca.js";
import { createCertificate, isDnsName, randomSerial } from "./x509.js";

const HOUR_MS = 3_600_000;
/** A leaf is re-minted once less than this much of its validity remains. */
const RENEW_MARGIN_MS = HOUR_MS;
/** Backdating notBefore tolerates clients whose clock runs a little behind. */
const BACKDATE_MS = HOUR_MS;

/** Options for {@link createLeafCache}. */
export interface LeafCacheOptions {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly nowMs?: () => number;
  /** Hosts kept before the least recently used is evicted; default 1000. */
  readonly maxEntries?: number;
  /** The same for the `unrouted` pool; default 64. */
  readonly maxUnroutedEntries?: number;
  /** Leaf lifetime from now; default 24 h; must exceed the 1 h renewal margin. */
  readonly validityMs?: number;
}

/** Issues and caches leaves; everything is synchronous so it fits an SNICallback. */
export interface LeafCache {
  /**
   * The SecureContext for a DNS name or IP literal (case-insensitive, IPv6 with or without
   * brackets). Throws SigilError ERR_BAD_REQUEST for a name a certificate cannot carry.
   * `unrouted` reuses a routed leaf when one is cached, else mints into the small pool.
   */
  secureContext(host: string, pool?: "routed" | "unrouted"): SecureContext;
  /** Hosts currently cached. */
  readonly size: number;
  /** Counters since creation: leaves minted and cache hits. */
  stats(): { minted: number; hits: number };
}

interface Entry {
  readonly context: SecureContext;
  readonly notAfterMs: number;
}

export function createLeafCache(ca: IssuingCa, options: LeafCacheOptions = {}): LeafCache {
  const nowMs = options.nowMs ?? Date.now;
  const maxEntries = options.maxEntries ?? 1000;
  const maxUnrouted = options.maxUnroutedEntries ?? 64;
  const validityMs = options.validityMs ?? 24 * HOUR_MS;
  for (const max of [maxEntries, maxUnrouted]) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("maxEntries must be ≥ 1");
  }
  if (!(validityMs > RENEW_MARGIN_MS)) throw new RangeError("validityMs must exceed 1 hour");
  const entries = new Map<string, Entry>();
  const unrouted = new Map<string, Entry>();
  let minted = 0;
  let hits = 0;

  function mint(host: string, now: number): Entry {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const notAfter = new Date(Math.floor((now + validityMs) / 1000) * 1000);
    const ip = isIP(host) !== 0;
    const certPem = createCertificate({
      serial: randomSerial(),
      subject: {
        commonName: host.length <= 64 ? host : "Sigil Vault leaf",
        organization: "Sigil Vault",
      },
      issuer: ca.subjectDer,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter,
      publicKey,
      signingKey: ca.key,
      isCa: false,
      dnsNames: ip ? [] : [host],
      ipAddresses: ip ? [host] : [],
      authorityKeyId: ca.keyId,
    });
    const context = createSecureContext({
      key: privateKey.export({ type: "sec1", format: "pem" }),
      cert: certPem,
      minVersion: "TLSv1.2",
    });
    minted++;
    return { context, notAfterMs: notAfter.getTime() };
  }

  /** The cached leaf if still fresh (moved to most recent), else a new one; evicts beyond `max`. */
  function fromPool(pool: Map<string, Entry>, max: number, key: string, now: number) {
    const cached = pool.get(key);
    pool.delete(key);
    if (cached && cached.notAfterMs - now >= RENEW_MARGIN_MS) {
      hits++;
      pool.set(key, cached);
      return cached.context;
    }
    const entry = mint(key, now);
    pool.set(key, entry);
    for (const oldest of pool.keys()) {
      if (pool.size <= max) break;
      pool.delete(oldest);
    }
    return entry.context;
  }

  return {
    secureContext(host: string, pool: "routed" | "unrouted" = "routed"): SecureContext {
      const key = normalizeHost(host);
      const now = nowMs();
      if (pool === "routed") return fromPool(entries, maxEntries, key, now);
      const routed = entries.get(key);
      if (routed && routed.notAfterMs - now >= RENEW_MARGIN_MS) {
        hits++;
        return routed.context;
      }
      return fromPool(unrouted, maxUnrouted, key, now);
    },
    get size() {
      return entries.size + unrouted.size;
    },
    stats: () => ({ minted, hits }),
  };
}

/** Lower-cased DNS name without a trailing dot, or a bare IP literal; refuses anything else. */
function normalizeHost(host: string): string {
  let name = host.toLowerCase();
  if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
  if (isIP(name) !== 0 && !name.includes("%")) return name;
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (isDnsName(name) && isIP(name) === 0) return name;
  throw new SigilError("ERR_BAD_REQUEST", "the TLS server name is not a valid host name");
}
