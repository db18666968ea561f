/**
 * Per-host leaf certificates for the MITM listener (spec §3): a fresh P-256 key per host (never one
 * key for all leaves), short validity, cached with a ready SecureContext in a bounded LRU.
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
  /** Leaf lifetime from now; default 24 h; must exceed the 1 h renewal margin. */
  readonly validityMs?: number;
}

/** Issues and caches leaves; everything is synchronous so it fits an SNICallback. */
export interface LeafCache {
  /**
   * The SecureContext for a DNS name or IP literal (case-insensitive, IPv6 with or without
   * brackets). Throws SigilError ERR_BAD_REQUEST for a name a certificate cannot carry.
   */
  secureContext(host: string): SecureContext;
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
  const validityMs = options.validityMs ?? 24 * HOUR_MS;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new RangeError("maxEntries must be ≥ 1");
  if (!(validityMs > RENEW_MARGIN_MS)) throw new RangeError("validityMs must exceed 1 hour");
  const entries = new Map<string, Entry>();
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

  return {
    secureContext(host: string): SecureContext {
      const key = normalizeHost(host);
      const now = nowMs();
      const cached = entries.get(key);
      entries.delete(key);
      if (cached && cached.notAfterMs - now >= RENEW_MARGIN_MS) {
        hits++;
        entries.set(key, cached);
        return cached.context;
      }
      const entry = mint(key, now);
      entries.set(key, entry);
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
      return entry.context;
    },
    get size() {
      return entries.size;
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
