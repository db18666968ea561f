/**
 * `npm run bench` — the side-by-side comparison of issues #4 and #12. Every contender (direct, a
 * plain tunnel, the Node MITM floor, sigil-vault, mitmproxy, squid ssl-bump, mockttp) runs against the same upstream, client
 * and payloads on 127.0.0.1; peers that are missing are installed or reported as skipped. Prints
 * Markdown tables and writes bench/results/compare-<time>.json (and .md).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTENDERS } from "./contenders/index.js";
import type { BenchSetup, Contender } from "./contenders/contender.js";
import { startBenchDns } from "./lib/dns-server.js";
import { readOptions } from "./lib/options.js";
import { startUpstreamProcess, type UpstreamProcess } from "./lib/upstream-process.js";
import { benchAttestationVerify } from "./micro/attestation-verify.js";
import { benchAuditGroupCommit } from "./micro/audit-group-commit.js";
import { currentLoad, describeMachine } from "./report/machine.js";
import { renderReport, saveReport } from "./report/run-report.js";
import { withDerived, type Runs } from "./report/summary.js";
import type { Metrics } from "./scenarios/context.js";
import { FIRST_CONTACT_HOSTS, firstContactHosts } from "./scenarios/first-contact.js";
import { LONG_SCENARIOS, SHORT_SCENARIOS } from "./scenarios/index.js";
import { runSession, type Scenario } from "./session.js";

const opts = readOptions();
const machine = describeMachine();
const log = (line: string) => process.stderr.write(line + "\n");

async function main(): Promise<number> {
  const started = Date.now();
  const mode = opts.quick ? "quick" : "full";
  log(
    `bench: ${machine.cores} cores, load ${machine.loadStart.join(" ")}, ${mode}, ${opts.runs} run(s)`,
  );
  const secret = `sk-bench-${randomBytes(12).toString("hex")}`;
  const auth = `Bearer ${secret}`;
  const hosts = ["api.bench.test", ...firstContactHosts(FIRST_CONTACT_HOSTS)];
  const scratch = mkdtempSync(join(tmpdir(), "sigil-bench-compare-"));
  chmodSync(scratch, 0o755); // peers that drop privileges (squid) read their config here
  const upstream = await startUpstreamProcess(auth, hosts);
  const dns = await startBenchDns("bench.test");
  const upstreamCaFile = join(scratch, "upstream-ca.pem");
  writeFileSync(upstreamCaFile, upstream.caPem, { mode: 0o644 });
  const setup: BenchSetup = {
    upstreamPort: upstream.port,
    upstreamCaPem: upstream.caPem,
    upstreamCaFile,
    auth,
    secret,
    hosts,
    dnsPort: dns.port,
    scratch,
    peersDir: opts.peersDir,
  };
  const problems: string[] = [];
  try {
    const { versions, skipped } = await prepareAll(setup);
    const active = CONTENDERS.filter((c) => versions[c.name] !== undefined);
    log("bench: micro-benchmarks (audit group commit, attestation verify)");
    const audit = await benchAuditGroupCommit(256, opts.quick ? 8000 : 20_000);
    const verify = await benchAttestationVerify(opts.quick ? 1500 : 4000);
    const session = async (c: Contender, label: string, scenarios: readonly Scenario[]) => {
      log(`bench: ${label}: ${c.name} (load ${currentLoad()[0]})`);
      const t0 = Date.now();
      const s = await runSession(c, setup, upstream, opts, scenarios);
      log(`bench:   ${((Date.now() - t0) / 1000).toFixed(0)} s ${JSON.stringify(s.seconds)}`);
      if (s.error) problems.push(`${label} ${c.name}: ${s.error}`);
      if (s.uninjected) {
        problems.push(
          `${label} ${c.name}: ${s.uninjected} requests reached the upstream without the credential`,
        );
      }
      return s.metrics;
    };
    const runs: Runs = [];
    for (let r = 0; r < opts.runs; r++) {
      const run: Record<string, Metrics> = {};
      // Rotate the order each run so no contender always runs first (or last) on a busy machine.
      for (let i = 0; i < active.length; i++) {
        const c = active[(i + r) % active.length]!;
        run[c.name] = await session(c, `run ${r + 1}/${opts.runs}`, SHORT_SCENARIOS);
      }
      runs.push(withDerived(run));
    }
    const long: Record<string, Metrics> = {};
    for (const c of active) {
      const soakS = c.name === "sigil-vault" ? opts.soakSeconds : opts.soakPeerSeconds;
      long[c.name] = await session(
        c,
        "soak, first contact, idle",
        LONG_SCENARIOS(opts.idleTunnels, soakS, opts.soakRps),
      );
    }
    machine.loadEnd = currentLoad();
    const report = {
      machine,
      options: opts,
      finishedAt: new Date().toISOString(),
      minutes: (Date.now() - started) / 60_000,
      versions,
      skipped,
      runs,
      long,
      audit,
      verify,
      problems,
    };
    const markdown = renderReport(report);
    process.stdout.write(markdown + "\n");
    log(`bench: wrote ${saveReport(report, markdown)}`);
    return problems.length ? 1 : 0;
  } finally {
    await closeAll(upstream, dns, scratch);
  }
}

/** Versions of the contenders that can run (installing peers when missing) and why others cannot. */
async function prepareAll(setup: BenchSetup) {
  const versions: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  for (const c of CONTENDERS) {
    if (opts.only && !opts.only.includes(c.name)) {
      skipped[c.name] = "excluded by BENCH_ONLY";
    } else {
      try {
        versions[c.name] = await c.prepare(setup);
      } catch (err) {
        skipped[c.name] = err instanceof Error ? err.message : String(err);
      }
    }
    if (skipped[c.name]) log(`bench: ${c.name} skipped: ${skipped[c.name]}`);
  }
  return { versions, skipped };
}

async function closeAll(
  upstream: UpstreamProcess,
  dns: { close(): Promise<void> },
  scratch: string,
) {
  await upstream.close();
  await dns.close();
  rmSync(scratch, { recursive: true, force: true });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
