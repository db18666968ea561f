/**
 * `node dist/bench/backends/gcp.js` — what one `gcp-secret-manager` fetch costs on loopback against
 * the fakes: the cold first fetch (loading google-auth-library, the RS256 grant, a TLS handshake)
 * and the median of warm fetches (cached access token, kept-alive TLS, JSON + CRC32C). Not a test.
 */
import { createGcpSecretManagerBackend } from "../../src/backends/gcp-secret-manager.js";
import { startFakeGcp } from "../../test/fakes/gcp-stack.js";

const N = Number(process.env["BENCH_N"] ?? 200);
const WARMUP = 20;

async function main(): Promise<void> {
  const gcp = await startFakeGcp();
  try {
    gcp.secretManager.addSecret("bench", [JSON.stringify({ token: "sk-bench-0123456789abcdef" })]);
    const backend = createGcpSecretManagerBackend("gcp", gcp.options, {
      env: {},
      extraCa: [gcp.pki.caPem],
    });
    const once = async () => {
      const started = performance.now();
      const cred = await backend.fetch("bench#token", { signal: AbortSignal.timeout(2000) });
      await cred.release();
      return performance.now() - started;
    };
    const coldMs = await once();
    for (let i = 0; i < WARMUP; i++) await once();
    const samples: number[] = [];
    for (let i = 0; i < N; i++) samples.push(await once());
    samples.sort((a, b) => a - b);
    const at = (q: number) => round(samples[Math.min(N - 1, Math.floor(q * N))]!);
    const result = {
      backend: "gcp-secret-manager",
      fetches: N,
      coldMs: round(coldMs),
      medianMs: at(0.5),
      p95Ms: at(0.95),
      maxMs: round(samples[N - 1]!),
      tokenGrants: gcp.oauth.granted,
      node: process.version,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await gcp.close();
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

await main();
