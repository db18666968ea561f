/**
 * Per-fetch cost of the azure-key-vault backend against the local fake Key Vault / Entra ID
 * (loopback HTTPS): the cold first fetch (SDK load, 401 challenge, sign-in) and the steady state
 * (one GET with the cached token). Not part of the test suite:
 * `npx tsc -p tsconfig.json && node dist/bench/backends/azure.js` (BENCH_N, default 200).
 */
import { createAzureKeyVaultBackend } from "../../src/backends/azure-key-vault.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT_ID,
  startFakeAzure,
} from "../../test/fakes/azure-cloud.js";
import { percentiles } from "../lib/load.js";

const N = Number(process.env["BENCH_N"] ?? 200);
const WARMUP = 20;

async function main(): Promise<void> {
  const fake = await startFakeAzure();
  fake.vault.putSecret("api-key", "sk-bench-0123456789");
  const signal = new AbortController().signal;
  const backend = createAzureKeyVaultBackend(
    "kv",
    {
      vault_url: fake.vaultUrl,
      tenant_id: TENANT_ID,
      client_id: CLIENT_ID,
      client_secret_env: "AZ",
    },
    fake.deps({ AZ: CLIENT_SECRET }),
  );
  const once = async () => {
    const started = process.hrtime.bigint();
    const cred = await backend.fetch("secret/api-key", { signal });
    await cred.release();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  try {
    const coldMs = await once();
    for (let i = 0; i < WARMUP; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < N; i++) times.push(await once());
    const { p50, p99 } = percentiles(times);
    const round = (ms: number) => Math.round(ms * 100) / 100;
    console.log(
      JSON.stringify({
        backend: "azure-key-vault",
        n: N,
        coldFirstFetchMs: round(coldMs),
        medianMs: round(p50),
        p99Ms: round(p99),
        signIns: fake.entra.tokensIssued,
        vaultReads: fake.vault.authorizedReads,
      }),
    );
  } finally {
    await fake.close();
  }
}

await main();
