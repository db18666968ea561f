/**
 * The request gate's CPU before the durable `release`, per request, in process: resolving the
 * target (Host and path), matching the route, verifying the attestation, binding the intent and
 * claiming the replay id, for the request the keep-alive bench sends (GET with a fresh dev
 * attestation and its X-Sigil-Intent, binding checked). The bare libsodium verify of the same
 * tokens is the floor nothing here can go below.
 *
 * A/B in one run: `node dist/bench/micro/gate.js /path/to/other/checkout` times the other
 * checkout's built modules (its `dist/src`, with its own node_modules reachable) on the same tokens,
 * round by round, and prints the ratio. Build the old commit there first, for instance:
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/ && (cd /tmp/base && npx tsc)
 * (and `git worktree remove --force /tmp/base` afterwards).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { devKeyInfo, loadOrCreateDevKey, type DevKey } from "../../src/dev/keys.js";
import { percentiles } from "../lib/load.js";

/** µs per request of each stage in its fastest round, and their sum. */
export interface GateBenchResult {
  requests: number;
  rounds: number;
  targetUs: number;
  routeUs: number;
  verifyUs: number;
  bindingUs: number;
  replayUs: number;
  gateUs: number;
  /** Bare libsodium (or node:crypto fallback) verify of the same signing inputs. */
  bareVerifyUs: number;
  /** Median over tokens of verifyAttestation minus the bare verify just before it. */
  verifyOverheadUs: number;
  /** The gate's own work: every stage, with verifyOverheadUs in place of verifyUs. */
  gateOverheadUs: number;
}

const AGENT = "bench-agent";
const HOST = "api.bench.test";
const ISSUER = { issuers: ["sigil-core"], audience: "sigil-sign" };
const LIVE_HEADERS = {
  accept: "application/json",
  "user-agent": "bench/1",
  connection: "keep-alive",
};

/** The modules the gate runs, loaded from one build (`…/dist/src`). */
interface GateModules {
  verifyAttestation: (token: string, ctx: object) => { exp: number; replayId: string };
  checkIntentBinding: (intent: string, att: object, live: object, mode: string) => unknown;
  resolveRequestTarget: (scope: object, req: object) => { path: string; pathWithQuery: string };
  compileRoutes: (routes: object[]) => { match: (agentId: string, req: object) => { ok: boolean } };
  createMemoryReplayStore: (nowMs: () => number) => { claim(id: string, until: number): unknown };
  createKeyRing: (anchors: object[], deps: object) => { load(): Promise<void> };
  ed25519: () => { verify(message: Buffer, signature: Buffer, key: object): boolean };
  keyOf: (ring: unknown, kid: string) => object;
}

async function loadModules(srcDir: string): Promise<GateModules> {
  const load = (rel: string) => import(pathToFileURL(join(srcDir, rel)).href);
  const [verify, binding, target, match, memory, keys, ed] = await Promise.all([
    load("attestation/verify.js"),
    load("attestation/binding.js"),
    load("proxy/target.js"),
    load("routing/match.js"),
    load("replay/memory.js"),
    load("attestation/keys.js"),
    load("attestation/ed25519.js"),
  ]);
  return {
    verifyAttestation: verify.verifyAttestation,
    checkIntentBinding: binding.checkIntentBinding,
    resolveRequestTarget: target.resolveRequestTarget,
    compileRoutes: match.compileRoutes,
    createMemoryReplayStore: memory.createMemoryReplayStore,
    createKeyRing: keys.createKeyRing,
    ed25519: ed.ed25519,
    keyOf: (ring, kid) => (ring as { get(kid: string): { key: object } }).get(kid).key,
  };
}

interface Req {
  token: string;
  intent: string;
  url: string;
  pathWithQuery: string;
  input: Buffer;
  sig: Buffer;
}

function makeRequests(key: DevKey, n: number, nowMs: number): Req[] {
  return Array.from({ length: n }, (_, i) => {
    const pathWithQuery = `/v1/models?i=${i}`;
    const url = `https://${HOST}${pathWithQuery}`;
    const a = makeDevAttestation({ key, agentName: AGENT, method: "GET", url, nowMs });
    const dot = a.attestation.lastIndexOf(".");
    return {
      token: a.attestation,
      intent: a.intent!,
      url,
      pathWithQuery,
      input: Buffer.from(a.attestation.slice(0, dot), "ascii"),
      sig: Buffer.from(a.attestation.slice(dot + 1), "base64url"),
    };
  });
}

/** One build's gate, set up once: returns a function timing one round over `reqs` (µs/request). */
async function gateRunner(mods: GateModules, key: DevKey, nowMs: number) {
  const info = devKeyInfo(key);
  const anchor = { kid: info.kid, fingerprint: info.fingerprint, ...ISSUER, jwk: info.publicJwk };
  const ring = mods.createKeyRing([anchor], { nowMs: () => nowMs });
  await ring.load();
  const publicKey = mods.keyOf(ring, info.kid);
  const routes = mods.compileRoutes([
    { id: "rt_bench", agentId: "agt_bench", host: HOST, path: "/v1/*" },
  ]);
  const scope = { scheme: "https", host: HOST, port: 443, agent: { id: "agt_bench", name: AGENT } };
  const ctx = { keys: ring, nowMs, skewSeconds: 30, agentName: AGENT };
  const verifier = mods.ed25519();
  return (reqs: readonly Req[]) => {
    const replay = mods.createMemoryReplayStore(() => nowMs);
    const us = (t0: number) => ((performance.now() - t0) * 1000) / reqs.length;
    let t0 = performance.now();
    const targets = reqs.map((r) =>
      mods.resolveRequestTarget(scope, { url: r.pathWithQuery, rawHeaders: ["Host", HOST] }),
    );
    const targetUs = us(t0);
    t0 = performance.now();
    for (const t of targets) {
      const m = routes.match("agt_bench", {
        scheme: "https",
        host: HOST,
        port: 443,
        path: t.path,
        method: "GET",
      });
      if (!m.ok) throw new Error("route did not match");
    }
    const routeUs = us(t0);
    // Each token's bare signature check right before its gate check: the difference per pair is
    // the gate's own work, free of the noise a shared machine adds to the 60 µs verify.
    const atts = [];
    const verifyOverheads: number[] = [];
    let verifyMs = 0;
    let bareMs = 0;
    for (const r of reqs) {
      const t1 = performance.now();
      if (!verifier.verify(r.input, r.sig, publicKey)) throw new Error("bare verify failed");
      const t2 = performance.now();
      atts.push(mods.verifyAttestation(r.token, ctx));
      const t3 = performance.now();
      verifyOverheads.push((t3 - t2 - (t2 - t1)) * 1000);
      verifyMs += t3 - t2;
      bareMs += t2 - t1;
    }
    const verifyUs = (verifyMs * 1000) / reqs.length;
    const bareVerifyUs = (bareMs * 1000) / reqs.length;
    t0 = performance.now();
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i]!;
      const live = { method: "GET", url: r.url, headers: LIVE_HEADERS };
      mods.checkIntentBinding(r.intent, atts[i]!, live, "optional");
    }
    const bindingUs = us(t0);
    t0 = performance.now();
    for (const a of atts) void replay.claim(a.replayId, a.exp * 1000 + 300_000);
    const replayUs = us(t0);
    return { targetUs, routeUs, verifyUs, bindingUs, replayUs, bareVerifyUs, verifyOverheads };
  };
}

type Round = Awaited<ReturnType<Awaited<ReturnType<typeof gateRunner>>>>;

const STAGES = ["targetUs", "routeUs", "verifyUs", "bindingUs", "replayUs"] as const;

/** Per stage, the fastest round: other processes on the machine only ever add time. */
function summarize(rounds: Round[], requests: number): GateBenchResult {
  const best = (f: (r: Round) => number) => Math.min(...rounds.map(f));
  const result = { requests, rounds: rounds.length } as GateBenchResult;
  for (const stage of STAGES) result[stage] = best((r) => r[stage]);
  result.bareVerifyUs = best((r) => r.bareVerifyUs);
  result.gateUs = STAGES.reduce((sum, stage) => sum + result[stage], 0);
  result.verifyOverheadUs = percentiles(rounds.flatMap((r) => r.verifyOverheads)).p50;
  result.gateOverheadUs = result.gateUs - result.verifyUs + result.verifyOverheadUs;
  return result;
}

/**
 * Times this build's gate and, with `baselineRoot`, another build's, alternating round by round on
 * the same requests. The first round of each is a warm-up.
 */
export async function benchGate(
  requests = 1000,
  rounds = 31,
  baselineRoot?: string,
): Promise<{ current: GateBenchResult; baseline?: GateBenchResult }> {
  const dir = mkdtempSync(join(tmpdir(), "sigil-bench-gate-"));
  try {
    const key = await loadOrCreateDevKey(join(dir, "signer.jwk"));
    const nowMs = Date.now();
    const reqs = makeRequests(key, requests, nowMs);
    const here = new URL("../../src/", import.meta.url);
    const runners = [await gateRunner(await loadModules(here.pathname), key, nowMs)];
    if (baselineRoot !== undefined) {
      const mods = await loadModules(join(resolve(baselineRoot), "dist", "src"));
      runners.push(await gateRunner(mods, key, nowMs));
    }
    const results: Round[][] = runners.map(() => []);
    for (let r = 0; r < rounds; r++) {
      // Alternate which build goes first, so neither always runs right after the other.
      const order = r % 2 === 0 ? runners.keys() : [...runners.keys()].reverse();
      for (const i of order) {
        const round = runners[i]!(reqs);
        if (r > 0) results[i]!.push(round);
      }
    }
    const [current, baseline] = results.map((list) => summarize(list, requests));
    return baseline === undefined ? { current: current! } : { current: current!, baseline };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(r: GateBenchResult, base?: GateBenchResult): void {
  console.log(`µs per request, best of ${r.rounds} rounds of ${r.requests}`);
  console.log(`  ${"".padEnd(16)} ${"this".padStart(8)}${base ? " baseline    ratio" : ""}`);
  const row = (name: string, f: (x: GateBenchResult) => number) => {
    const cols =
      base === undefined
        ? ""
        : ` ${f(base).toFixed(2).padStart(8)} ${(f(r) / f(base)).toFixed(2).padStart(8)}`;
    console.log(`  ${name.padEnd(16)} ${f(r).toFixed(2).padStart(8)}${cols}`);
  };
  const rows = [...STAGES, "gateUs", "bareVerifyUs", "verifyOverheadUs", "gateOverheadUs"] as const;
  for (const name of rows) row(name, (x) => x[name]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const baselineRoot = process.argv[2];
  const { current, baseline } = await benchGate(1000, 31, baselineRoot);
  print(current, baseline);
}
