/**
 * `npm run bench:smoke` — a small, bounded benchmark of the full Sigil Vault path (agent token, a
 * fresh attestation per request, replay claim, env backend, header injection, durable audit) next
 * to a direct connection, on loopback. CI runs it so the benchmark cannot rot; the full
 * side-by-side comparison against peers lives in bench/compare (issue #4).
 */
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { makeDevAttestation } from "../src/dev/attest.js";
import { readConfigFile, writeConfigFile } from "../src/config/store.js";
import { createBenchHome } from "./lib/home.js";
import { runLoad, percentiles, type LoadResult } from "./lib/load.js";
import { startProxyProcess } from "./lib/proxy-process.js";
import { createTunnelAgent, openTunnel } from "./lib/tunnel-agent.js";
import { startBenchUpstream } from "./lib/upstream.js";

const N = Number(process.env["BENCH_N"] ?? 300);
const HOSTS = Number(process.env["BENCH_HOSTS"] ?? 50);
const HOST = "api.bench.test";

async function main(): Promise<number> {
  const secret = `sk-bench-${randomBytes(12).toString("hex")}`;
  const hosts = [HOST, ...Array.from({ length: HOSTS }, (_, i) => `h${i}.bench.test`)];
  const upstream = await startBenchUpstream(`Bearer ${secret}`, hosts);
  const bench = await createBenchHome(upstream.caPem);
  const cfg = readConfigFile(bench.home.config);
  cfg.proxy.resolve = Object.fromEntries(
    hosts.map((h) => [`${h}:443`, `127.0.0.1:${upstream.port}`]),
  );
  writeConfigFile(bench.home.config, cfg);
  const proxy = await startProxyProcess(bench.home.root, { ...process.env, BENCH_KEY: secret });
  const vaultCa = (await import("node:fs")).readFileSync(bench.home.caCert, "utf8");
  const results: Record<string, unknown> = {};
  let ok = true;
  try {
    const attest = (count: number, host = HOST) =>
      Array.from({ length: count }, (_, i) => {
        const a = makeDevAttestation({
          key: bench.key,
          agentName: bench.agentName,
          method: "GET",
          url: `https://${host}/v1/models?i=${i}`,
          nowMs: Date.now(),
        });
        return { "x-sigil-attestation": a.attestation, "x-sigil-intent": a.intent! };
      });
    const direct = new HttpsAgent({ keepAlive: true, maxSockets: 10, ca: upstream.caPem });
    const directRun = (n: number, c: number) =>
      runLoad({
        agent: direct as never,
        host: HOST,
        port: upstream.port,
        n,
        concurrency: c,
        path: (i) => `/v1/models?i=${i}`,
        headers: () => ({ authorization: `Bearer ${secret}` }),
        request: httpsRequest,
        extra: { host: "127.0.0.1", servername: HOST },
      });
    const viaVault = async (n: number, c: number) => {
      const agent = createTunnelAgent({
        proxyPort: proxy.port,
        token: bench.token,
        ca: vaultCa,
        maxSockets: c,
      });
      const headers = attest(n);
      const r = await runLoad({
        agent,
        host: HOST,
        n,
        concurrency: c,
        path: (i) => `/v1/models?i=${i}`,
        headers: (i) => headers[i]!,
      });
      agent.destroy();
      return r;
    };
    await directRun(50, 1);
    await viaVault(50, 5);
    const rows: [string, LoadResult][] = [];
    for (const c of [1, 10]) {
      rows.push([`direct c=${c}`, await directRun(N, c)]);
      rows.push([`sigil-vault full path c=${c}`, await viaVault(N, c)]);
    }
    const first: number[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const host = `h${i}.bench.test`;
      const [h] = attest(1, host);
      const t0 = performance.now();
      const tls = await openTunnel({
        proxyPort: proxy.port,
        token: bench.token,
        ca: vaultCa,
        host,
        port: 443,
      });
      const agent = new (await import("node:http")).Agent({ keepAlive: false });
      (agent as unknown as { createConnection: unknown }).createConnection = () => tls;
      await runLoad({
        agent,
        host,
        n: 1,
        concurrency: 1,
        path: () => "/v1/models?i=0",
        headers: () => h!,
      });
      first.push(performance.now() - t0);
      tls.destroy();
    }
    const fc = percentiles(first);
    console.log(
      `sigil-vault bench smoke — ${cpus().length} cores, node ${process.version}, N=${N}`,
    );
    console.log("scenario                          req/s     p50 ms   p99 ms   statuses");
    for (const [name, r] of rows) {
      console.log(
        `${name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}   ${JSON.stringify(r.statuses)}`,
      );
      if (Object.keys(r.statuses).some((s) => s !== "200")) ok = false;
      results[name] = r;
    }
    const d1 = rows[0]![1],
      v1 = rows[1]![1],
      d10 = rows[2]![1],
      v10 = rows[3]![1];
    console.log(
      `added latency c=1: p50 +${(v1.p50 - d1.p50).toFixed(2)} ms, p99 +${(v1.p99 - d1.p99).toFixed(2)} ms`,
    );
    console.log(`throughput ratio c=10 (vault/direct): ${(v10.rps / d10.rps).toFixed(2)}`);
    console.log(
      `first contact (CONNECT + new leaf + TLS + request), ${HOSTS} hosts: p50 ${fc.p50.toFixed(2)} ms, p99 ${fc.p99.toFixed(2)} ms`,
    );
    results["firstContact"] = fc;
    const expected = rows.reduce((s, [, r]) => s + r.n, 0) + 100 + HOSTS;
    console.log(
      `upstream saw ${upstream.counts.authorized} requests with the credential, ${upstream.counts.unauthorized} without (expected ${expected} / 0)`,
    );
    if (upstream.counts.unauthorized !== 0 || upstream.counts.authorized !== expected) ok = false;
    const outDir = fileURLToPath(new URL("../../bench/results/", import.meta.url));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, `smoke-${new Date().toISOString().replace(/[:.]/g, "-")}.json`),
      JSON.stringify(
        {
          machine: {
            cores: cpus().length,
            cpu: cpus()[0]?.model,
            memBytes: totalmem(),
            node: process.version,
          },
          n: N,
          results,
        },
        null,
        2,
      ),
    );
  } finally {
    await proxy.stop();
    await upstream.close();
    rmSync(bench.dir, { recursive: true, force: true });
  }
  console.log(ok ? "bench smoke: OK" : "bench smoke: FAILED");
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench smoke failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
