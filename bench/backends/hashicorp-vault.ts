/**
 * Per-request cost of the hashicorp-vault backend against the local fake Vault (loopback HTTPS,
 * keep-alive, cached login token): median and p95 of sequential fetches after a warm-up, for a KV
 * v2 read, a dynamic secret fetched and released (lease revoked), and a PKI issue, next to a bare
 * keep-alive HTTPS GET of the same KV secret (the floor any client pays). Not part of the
 * test suite: `npx tsc -p tsconfig.json && node dist/bench/backends/hashicorp-vault.js`.
 */
import { Agent, request } from "node:https";
import { performance } from "node:perf_hooks";
import { createHashicorpVaultBackend } from "../../src/backends/hashicorp-vault.js";
import { startFakeVault } from "../../test/fakes/hashicorp-vault.js";

const N = Number(process.env["BENCH_N"] ?? 200);
const WARMUP = 50;

async function measure(
  n: number,
  once: () => Promise<void>,
): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < Math.min(WARMUP, n); i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Number(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(3));
  return { median: at(0.5), p95: at(0.95) };
}

async function main(): Promise<void> {
  const fake = await startFakeVault();
  const token = fake.addToken({
    paths: ["secret/*", "database/creds/*", "pki/issue/*", "sys/leases/revoke"],
  });
  fake.putKv2("secret", "openai", { api_key: "sk-bench" });
  fake.addDatabaseRole("database", "readonly");
  fake.addPkiRole("pki", "agent", { allowedDomains: ["agents.internal"] });
  const backend = createHashicorpVaultBackend(
    "bench",
    { vault_addr: fake.url },
    { env: { VAULT_TOKEN: token }, extraCa: [fake.caPem] },
  );
  const fetchRelease = (ref: string) => async () => {
    const cred = await backend.fetch(ref, { signal: AbortSignal.timeout(2000) });
    await cred.release();
  };
  const agent = new Agent({ keepAlive: true, ca: fake.caPem });
  const rawGet = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(`${fake.url}/v1/secret/data/openai`, {
        agent,
        headers: { "x-vault-token": token },
      });
      req.once("response", (res) => res.resume().once("end", resolve));
      req.once("error", reject);
      req.end();
    });
  try {
    const results = {
      n: N,
      bareHttpsGetMs: await measure(N, rawGet),
      kvV2ReadMs: await measure(N, fetchRelease("secret/data/openai#api_key")),
      dynamicFetchAndRevokeMs: await measure(N, fetchRelease("database/creds/readonly")),
      pkiIssueMs: await measure(
        Math.min(N, 100),
        fetchRelease("pki/issue/agent?common_name=a.agents.internal&ttl=5m"),
      ),
      tlsConnections: fake.connections,
      node: process.version,
    };
    process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  } finally {
    agent.destroy();
    backend.close();
    await fake.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
