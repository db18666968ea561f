/**
 * mitmproxy (Debian `mitmdump`) with a small addon: inject the header, stream SSE responses (without
 * it mitmproxy buffers whole responses and events arrive at once), and dial 127.0.0.1 for the bench
 * names while keeping the name as SNI so upstream TLS still verifies it against the bench CA.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openTunnel } from "../lib/tunnel-agent.js";
import type { Contender } from "./contender.js";
import { ensureApt, versionLine } from "./install.js";
import { freePort, spawnPeer, waitForPort } from "./spawn.js";

const ADDON = `
import os
AUTH = os.environ["BENCH_AUTH"]
ZONE = ".bench.test"

def _local(flow):
    if flow.request.host.endswith(ZONE):
        name = flow.request.host_header
        flow.request.host = "127.0.0.1"   # the address to dial; also rewrites Host ...
        if name is not None:
            flow.request.host_header = name  # ... so the original Host goes back

def http_connect(flow):
    _local(flow)

def requestheaders(flow):
    _local(flow)
    flow.request.headers["authorization"] = AUTH

def server_connect(data):
    if data.client.sni:
        data.server.sni = data.client.sni  # verify the upstream against the name the client asked for

def responseheaders(flow):
    if flow.response.headers.get("content-type", "").startswith("text/event-stream"):
        flow.response.stream = True
`;

export const mitmproxy: Contender = {
  name: "mitmproxy",
  description: "mitmdump + addon: requestheaders sets the header, SSE streamed",
  async prepare() {
    ensureApt("mitmdump", "mitmproxy");
    return versionLine("mitmdump", ["--version"], /Mitmproxy: \S+/);
  },
  async start(setup) {
    const port = await freePort();
    const addon = join(setup.scratch, "inject.py");
    writeFileSync(addon, ADDON);
    const confdir = mkdtempSync(join(setup.scratch, "mitmproxy-")); // a fresh CA per start
    const peer = spawnPeer(
      "mitmdump",
      [
        "--quiet",
        "--listen-host",
        "127.0.0.1",
        "--listen-port",
        String(port),
        "--set",
        `confdir=${confdir}`,
        "--set",
        `ssl_verify_upstream_trusted_ca=${setup.upstreamCaFile}`,
        "--set",
        "flow_detail=0",
        "-s",
        addon,
      ],
      { env: { ...process.env, BENCH_AUTH: setup.auth } },
    );
    await waitForPort(peer, port);
    const caFile = join(confdir, "mitmproxy-ca-cert.pem");
    for (let i = 0; i < 100 && !existsSync(caFile); i++) await sleep(50);
    const ca = readFileSync(caFile, "utf8");
    return {
      pid: peer.pid,
      connect: (host, upstreamPort) =>
        openTunnel({ proxyPort: port, ca, host, port: upstreamPort }),
      headersFor: (reqs) => reqs.map(() => ({})),
      stop: () => peer.stop(),
    };
  },
};
