/**
 * Knobs of `npm run bench`, from the environment. The defaults keep a full run near ten minutes on
 * the 2-core machine; BENCH_QUICK=1 keeps it under two (one run, shorter bursts, soak and idle scaled down).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScenarioSizes } from "../scenarios/context.js";

export interface BenchOptions extends ScenarioSizes {
  /** Repetitions of the short scenarios; medians are taken over them. */
  runs: number;
  /** Contenders to run; the others are reported as skipped ("excluded"). */
  only: string[] | null;
  idleTunnels: number;
  /** Soak length for sigil-vault, and for the peers (shorter, to keep the run bounded). */
  soakSeconds: number;
  soakPeerSeconds: number;
  soakRps: number;
  /** Where npm peers (mockttp) are installed; outside the project. */
  peersDir: string;
}

export function readOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const quick = env["BENCH_QUICK"] === "1";
  const num = (name: string, full: number, q: number) => {
    const v = Number(env[name] ?? (quick ? q : full));
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
    return v;
  };
  return {
    quick,
    burstMs: num("BENCH_BURST_MS", 1200, 400),
    settleMs: quick ? 300 : 1000,
    runs: Math.max(1, Math.round(num("BENCH_RUNS", 3, 1))),
    only: env["BENCH_ONLY"] ? env["BENCH_ONLY"].split(",").map((s) => s.trim()) : null,
    idleTunnels: num("BENCH_IDLE", 1000, 100),
    soakSeconds: num("BENCH_SOAK_S", 60, 5),
    soakPeerSeconds: num("BENCH_SOAK_PEER_S", 15, 3),
    soakRps: num("BENCH_SOAK_RPS", 300, 300),
    peersDir: env["BENCH_PEERS_DIR"] ?? join(tmpdir(), "sigil-bench-peers"),
  };
}
