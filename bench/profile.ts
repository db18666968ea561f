/**
 * `node dist/bench/profile.js` — profiles sigil-vault's proxy process (or the floor's, with
 * BENCH_PROFILE_CONTENDER=floor) under keep-alive load at
 * concurrency BENCH_PROFILE_C (default 10) for BENCH_PROFILE_S seconds (default 15) with
 * `--cpu-prof`, then prints the functions with the most self time. The profile file is kept (path
 * printed) for a flame-graph viewer.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { floor } from "./contenders/floor.js";
import { sigilVault } from "./contenders/sigil-vault.js";
import { topSelfTime } from "./lib/cpuprofile-top.js";
import { startUpstreamProcess } from "./lib/upstream-process.js";
import { median } from "./report/summary.js";
import { keepAlive } from "./scenarios/keep-alive.js";

const contender = process.env["BENCH_PROFILE_CONTENDER"] === "floor" ? floor : sigilVault;
const seconds = Number(process.env["BENCH_PROFILE_S"] ?? 15);
const concurrency = Number(process.env["BENCH_PROFILE_C"] ?? 10);
const profDir = mkdtempSync(join(tmpdir(), "sigil-bench-prof-"));
process.env["BENCH_PROXY_NODE_ARGS"] = `--cpu-prof --cpu-prof-dir=${profDir}`;
const secret = `sk-bench-${randomBytes(12).toString("hex")}`;
const upstream = await startUpstreamProcess(`Bearer ${secret}`, ["api.bench.test"]);
const scratch = mkdtempSync(join(tmpdir(), "sigil-bench-profile-"));
const upstreamCaFile = join(scratch, "upstream-ca.pem");
writeFileSync(upstreamCaFile, upstream.caPem);
const running = await contender.start({
  upstreamPort: upstream.port,
  upstreamCaPem: upstream.caPem,
  upstreamCaFile,
  auth: `Bearer ${secret}`,
  secret,
  hosts: ["api.bench.test"],
  dnsPort: 0,
  scratch,
  peersDir: scratch,
});
const ctx = {
  contender: running,
  upstreamPort: upstream.port,
  quick: false,
  burstMs: 0,
  settleMs: 0,
};
const rates: number[] = [];
const until = Date.now() + seconds * 1000;
while (Date.now() < until) {
  const m = await keepAlive({ ...ctx, burstMs: Math.min(2500, until - Date.now()) }, concurrency);
  rates.push(m[`ka${concurrency}.rps`] ?? NaN);
}
await running.stop();
await upstream.close();
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error("the proxy wrote no profile");
console.log(
  `profile: ${join(profDir, file)}; c=${concurrency} keep-alive at ${median(rates).toFixed(0)} req/s`,
);
console.log("self ms   share  function  location");
for (const t of topSelfTime(join(profDir, file), 30)) {
  console.log(
    `${t.ms.toFixed(0).padStart(7)}  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}  ${t.where}`,
  );
}
