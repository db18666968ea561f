/**
 * The floor: a minimal Node MITM doing the per-request work Sigil Vault cannot skip (see
 * peers/floor-main.ts), with the same client, upstream and fresh attestations as sigil-vault.
 * Every run reports sigil-vault's CPU per request and added latency against it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { devKeyInfo, loadOrCreateDevKey } from "../../src/dev/keys.js";
import { openTunnel } from "../lib/tunnel-agent.js";
import type { Contender } from "./contender.js";
import { readyLine, spawnPeer } from "./spawn.js";

const MAIN = fileURLToPath(new URL("../peers/floor-main.js", import.meta.url));

export const floor: Contender = {
  name: "floor",
  description: "minimal Node MITM: leaf, parse, one Ed25519 verify, one durable append, keep-alive",
  prepare: async () => `node ${process.version}`,
  async start(setup) {
    const dir = mkdtempSync(join(setup.scratch, "floor-"));
    const key = await loadOrCreateDevKey(join(dir, "signer.jwk"));
    // BENCH_PROXY_NODE_ARGS (e.g. --cpu-prof) applies to the floor too, for side-by-side profiles.
    const nodeArgs = (process.env["BENCH_PROXY_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
    const peer = spawnPeer(process.execPath, [...nodeArgs, MAIN], {
      env: {
        ...process.env,
        BENCH_AUTH: setup.auth,
        BENCH_UPSTREAM_CA: setup.upstreamCaFile,
        BENCH_FLOOR_JWK_X: devKeyInfo(key).publicJwk.x,
        BENCH_FLOOR_DIR: dir,
      },
    });
    const info = await readyLine(peer);
    return {
      pid: peer.pid,
      connect: (host, upstreamPort) =>
        openTunnel({ proxyPort: info.port, ca: info.caPem, host, port: upstreamPort }),
      headersFor: (reqs) =>
        reqs.map((r) => ({
          "x-sigil-attestation": makeDevAttestation({
            key,
            agentName: "bench-agent",
            method: r.method,
            url: r.url,
            nowMs: Date.now(),
          }).attestation,
        })),
      async stop() {
        await peer.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
