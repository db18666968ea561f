/**
 * Squid ssl-bump (Debian squid-openssl): peek at the SNI, bump, add the header with
 * request_header_add, verify the upstream with the bench CA. Names resolve through a private
 * hosts_file; the config, CA and certificate database live in the run's scratch folder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCa } from "../../src/mitm/ca.js";
import { openTunnel } from "../lib/tunnel-agent.js";
import type { Contender } from "./contender.js";
import { ensureApt, versionLine } from "./install.js";
import { freePort, spawnPeer, waitForPort } from "./spawn.js";

const CERTGEN = "/usr/lib/squid/security_file_certgen";

export const squid: Contender = {
  name: "squid-ssl-bump",
  description: "squid ssl-bump (peek, bump) + request_header_add",
  async prepare() {
    ensureApt("squid", "squid-openssl");
    const v = versionLine("squid", ["-v"], /Version \S+/);
    if (!/--with-openssl/.test(execFileSync("squid", ["-v"], { encoding: "utf8" }))) {
      throw new Error("squid is built without OpenSSL (install squid-openssl)");
    }
    return `squid ${v}`;
  },
  async start(setup) {
    const port = await freePort();
    const dir = mkdtempSync(join(setup.scratch, "squid-")); // a fresh certificate database per start
    const ca = createCa();
    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    writeFileSync(join(dir, "ca.key"), ca.keyPem);
    writeFileSync(join(dir, "hosts"), setup.hosts.map((h) => `127.0.0.1 ${h}\n`).join(""));
    const db = join(dir, "ssl_db");
    execFileSync(CERTGEN, ["-c", "-s", db, "-M", "16MB"], { stdio: "ignore" });
    writeFileSync(join(dir, "squid.conf"), config(dir, port, setup.upstreamCaFile, setup.auth));
    execFileSync("chown", ["-R", "proxy:proxy", dir]);
    const peer = spawnPeer("squid", ["-N", "-f", join(dir, "squid.conf")]);
    await waitForPort(peer, port);
    return {
      pid: peer.pid,
      connect: (host, upstreamPort) =>
        openTunnel({ proxyPort: port, ca: ca.certPem, host, port: upstreamPort }),
      headersFor: (reqs) => reqs.map(() => ({})),
      stop: () => peer.stop(),
    };
  },
};

function config(dir: string, port: number, upstreamCa: string, auth: string): string {
  return [
    `http_port 127.0.0.1:${port} ssl-bump tls-cert=${dir}/ca.pem tls-key=${dir}/ca.key generate-host-certificates=on dynamic_cert_mem_cache_size=16MB`,
    `sslcrtd_program ${CERTGEN} -s ${dir}/ssl_db -M 16MB`,
    "sslcrtd_children 8 startup=1 idle=1",
    "acl step1 at_step SslBump1",
    "ssl_bump peek step1",
    "ssl_bump bump all",
    `tls_outgoing_options cafile=${upstreamCa}`,
    `hosts_file ${dir}/hosts`,
    `request_header_add Authorization "${auth}" all`,
    "http_access allow localhost",
    "http_access deny all",
    "cache deny all",
    "access_log none",
    `cache_log ${dir}/cache.log`,
    `pid_filename ${dir}/squid.pid`,
    `coredump_dir ${dir}`,
    "pinger_enable off",
    "max_filedescriptors 16384",
    "shutdown_lifetime 0 seconds",
    "cache_effective_user proxy",
    "",
  ].join("\n");
}
