/** mockttp (npm, installed into a scratch folder) with beforeRequest injection; see peers/mockttp-main.ts. */
import { fileURLToPath } from "node:url";
import { openTunnel } from "../lib/tunnel-agent.js";
import type { Contender } from "./contender.js";
import { ensureNpm } from "./install.js";
import { readyLine, spawnPeer } from "./spawn.js";

/** Pinned so runs compare like with like; bump deliberately. */
export const MOCKTTP_VERSION = "4.6.5";
const MAIN = fileURLToPath(new URL("../peers/mockttp-main.js", import.meta.url));

export const mockttp: Contender = {
  name: "mockttp",
  description: "mockttp passthrough + beforeRequest header",
  async prepare(setup) {
    return `mockttp ${ensureNpm(setup.peersDir, "mockttp", MOCKTTP_VERSION)}`;
  },
  async start(setup) {
    const peer = spawnPeer(process.execPath, [MAIN], {
      env: {
        ...process.env,
        MOCKTTP_DIR: setup.peersDir,
        BENCH_AUTH: setup.auth,
        BENCH_UPSTREAM_CA: setup.upstreamCaFile,
        BENCH_DNS_PORT: String(setup.dnsPort),
      },
    });
    const info = await readyLine(peer);
    return {
      pid: peer.pid,
      connect: (host, upstreamPort) =>
        openTunnel({ proxyPort: info.port, ca: info.caPem, host, port: upstreamPort }),
      headersFor: (reqs) => reqs.map(() => ({})),
      stop: () => peer.stop(),
    };
  },
};
