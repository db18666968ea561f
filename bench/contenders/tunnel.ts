/**
 * A plain CONNECT tunnel (Debian tinyproxy), no MITM: TLS is end to end, so the client must hold the
 * credential itself. The client asks for 127.0.0.1:<port> — tinyproxy only relays bytes, and TLS
 * inside still verifies the upstream's real name — so no name resolution is needed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openTunnel } from "../lib/tunnel-agent.js";
import type { Contender } from "./contender.js";
import { ensureApt, versionLine } from "./install.js";
import { freePort, spawnPeer, waitForPort } from "./spawn.js";

export const tunnel: Contender = {
  name: "tunnel",
  description: "tinyproxy CONNECT tunnel, no MITM; the client holds the credential",
  async prepare() {
    ensureApt("tinyproxy", "tinyproxy");
    return versionLine("tinyproxy", ["-v"], /tinyproxy \S+/);
  },
  async start(setup) {
    const port = await freePort();
    const conf = join(setup.scratch, "tinyproxy.conf");
    writeFileSync(
      conf,
      [
        `Port ${port}`,
        "Listen 127.0.0.1",
        "Timeout 600",
        "MaxClients 4096",
        "LogLevel Critical",
        `LogFile "${join(setup.scratch, "tinyproxy.log")}"`,
        `PidFile "${join(setup.scratch, "tinyproxy.pid")}"`,
        "Allow 127.0.0.1",
        "DisableViaHeader Yes",
        "",
      ].join("\n"),
    );
    const peer = spawnPeer("tinyproxy", ["-d", "-c", conf]);
    await waitForPort(peer, port);
    return {
      pid: peer.pid,
      connect: (host, upstreamPort) =>
        openTunnel({
          proxyPort: port,
          ca: setup.upstreamCaPem,
          host,
          port: upstreamPort,
          authority: `127.0.0.1:${upstreamPort}`,
        }),
      headersFor: (reqs) => reqs.map(() => ({ authorization: setup.auth })),
      stop: () => peer.stop(),
    };
  },
};
