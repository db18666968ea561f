/**
 * Sigil Vault's full path, run as `sigil-vault start` in its own process: agent token on CONNECT, a
 * fresh attestation per request (signed before the timed phase), replay claim, env backend fetch,
 * header injection, durable (fsync'd) release record and a lazy outcome record.
 */
import { readFileSync, rmSync } from "node:fs";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { readConfigFile, writeConfigFile } from "../../src/config/store.js";
import { VERSION } from "../../src/version.js";
import { createBenchHome } from "../lib/home.js";
import { startProxyProcess } from "../lib/proxy-process.js";
import { openTunnel } from "../lib/tunnel-agent.js";
import type { Contender } from "./contender.js";

export const sigilVault: Contender = {
  name: "sigil-vault",
  description: "full path: token, attestation + replay, env backend, header, durable audit",
  prepare: async () => VERSION,
  async start(setup) {
    const port = setup.upstreamPort;
    const bench = await createBenchHome(setup.upstreamCaPem, "optional", `*.bench.test:${port}`);
    const cfg = readConfigFile(bench.home.config);
    cfg.proxy.resolve = Object.fromEntries(
      setup.hosts.map((h) => [`${h}:${port}`, `127.0.0.1:${port}`]),
    );
    // One bench agent holds all 1,000 idle tunnels; the default cap (256 per agent) would refuse
    // most of them with 429, which is the cap working, not the proxy's capacity being measured.
    cfg.proxy.max_tunnels_per_agent = 4096;
    writeConfigFile(bench.home.config, cfg);
    const proxy = await startProxyProcess(bench.home.root, {
      ...process.env,
      BENCH_KEY: setup.secret,
    });
    const ca = readFileSync(bench.home.caCert, "utf8");
    return {
      pid: proxy.child.pid!,
      connect: (host, upstreamPort) =>
        openTunnel({ proxyPort: proxy.port, token: bench.token, ca, host, port: upstreamPort }),
      headersFor: (reqs) =>
        reqs.map((r) => {
          const a = makeDevAttestation({
            key: bench.key,
            agentName: bench.agentName,
            method: r.method,
            url: r.url,
            nowMs: Date.now(),
          });
          return { "x-sigil-attestation": a.attestation, "x-sigil-intent": a.intent! };
        }),
      async stop() {
        await proxy.stop();
        rmSync(bench.dir, { recursive: true, force: true });
      },
    };
  },
};
