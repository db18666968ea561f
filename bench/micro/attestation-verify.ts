/**
 * The attestation gate's cost next to the one thing it cannot skip: the Ed25519 signature check
 * (bare node:crypto/OpenSSL, and bare libsodium, which the gate uses when it loads).
 * Both loops see the same freshly signed tokens and the same KeyObject (from the key ring the
 * proxy uses); the bare loop gets the signing input and signature already split and decoded.
 */
import { verify as cryptoVerify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "../../src/attestation/ed25519.js";
import { createKeyRing } from "../../src/attestation/keys.js";
import { verifyAttestation } from "../../src/attestation/verify.js";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { devKeyInfo, loadOrCreateDevKey } from "../../src/dev/keys.js";
import { percentiles } from "../lib/load.js";

export interface VerifyBenchResult {
  tokens: number;
  rounds: number;
  /** Median µs per token. */
  verifyAttestationUs: number;
  bareVerifyUs: number;
  /** Median µs per token of the same split input through libsodium (what the gate now uses). */
  libsodiumVerifyUs: number;
  /** Median over rounds of verifyAttestation / bare, each round timing both on the same tokens. */
  ratio: number;
}

export async function benchAttestationVerify(
  tokens = 4000,
  rounds = 7,
): Promise<VerifyBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "sigil-bench-verify-"));
  try {
    const key = await loadOrCreateDevKey(join(dir, "signer.jwk"));
    const info = devKeyInfo(key);
    const ring = createKeyRing(
      [
        {
          kid: info.kid,
          fingerprint: info.fingerprint,
          issuers: ["sigil-core"],
          audience: "sigil-sign",
          jwk: info.publicJwk,
        },
      ],
      { nowMs: Date.now },
    );
    await ring.load();
    const publicKey = ring.get(info.kid)!.key;
    const now = Date.now();
    const list = Array.from(
      { length: tokens },
      (_, i) =>
        makeDevAttestation({ key, agentName: "bench-agent", nowMs: now, nonce: `n-${i}` })
          .attestation,
    );
    const split = list.map((t) => {
      const dot = t.lastIndexOf(".");
      return {
        input: Buffer.from(t.slice(0, dot), "ascii"),
        sig: Buffer.from(t.slice(dot + 1), "base64url"),
      };
    });
    const ctx = { keys: ring, nowMs: now, skewSeconds: 30, agentName: "bench-agent" };
    const full: number[] = [];
    const bare: number[] = [];
    const sodium: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      for (const t of list) verifyAttestation(t, ctx);
      const f = (performance.now() - t0) / tokens;
      t0 = performance.now();
      for (const s of split) {
        if (!cryptoVerify(null, s.input, publicKey, s.sig)) throw new Error("bare verify failed");
      }
      const b = (performance.now() - t0) / tokens;
      t0 = performance.now();
      for (const s of split) {
        if (!ed25519().verify(s.input, s.sig, publicKey))
          throw new Error("libsodium verify failed");
      }
      const n = (performance.now() - t0) / tokens;
      if (r === 0) continue; // warm-up round
      full.push(f * 1000);
      bare.push(b * 1000);
      sodium.push(n * 1000);
      ratios.push(f / b);
    }
    return {
      tokens,
      rounds: rounds - 1,
      verifyAttestationUs: percentiles(full).p50,
      bareVerifyUs: percentiles(bare).p50,
      libsodiumVerifyUs: percentiles(sodium).p50,
      ratio: percentiles(ratios).p50,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
