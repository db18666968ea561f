/**
 * A ready-to-run Vault home for benchmarks, written with the same library calls the CLI uses:
 * CA, a dev signing key pinned inline, one agent, an `env` backend and a wildcard route.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAgentToken, generateId, hashToken } from "../../src/agents.js";
import { resolveHome, type HomePaths } from "../../src/config/home.js";
import { emptyConfig } from "../../src/config/schema.js";
import { writeConfigFile } from "../../src/config/store.js";
import { devKeyInfo, loadOrCreateDevKey, type DevKey } from "../../src/dev/keys.js";
import { createCa, writeCa } from "../../src/mitm/ca.js";

export interface BenchHome {
  dir: string;
  home: HomePaths;
  token: string;
  agentName: string;
  key: DevKey;
}

export async function createBenchHome(
  upstreamCaPem: string,
  binding: "off" | "optional" = "optional",
  /** The route's host pattern; a `:port` suffix when the upstream is not on 443. */
  routeHost = "*.bench.test",
): Promise<BenchHome> {
  const dir = mkdtempSync(join(tmpdir(), "sigil-bench-"));
  const home = resolveHome(join(dir, "home"), {});
  mkdirSync(home.auditDir, { recursive: true, mode: 0o700 });
  await writeCa(home.caDir, createCa());
  const key = await loadOrCreateDevKey(join(dir, "signer.jwk"));
  const info = devKeyInfo(key);
  const caFile = join(dir, "upstream-ca.pem");
  writeFileSync(caFile, upstreamCaPem);
  const token = generateAgentToken();
  const agentId = generateId("agt");
  const cfg = emptyConfig();
  // One bench agent sends all the load: its per-agent rate limit (default 100/s) would measure
  // the limiter working, not the proxy's capacity.
  cfg.proxy.rate_limit = { requests_per_second: 1_000_000, burst: 1_000_000 };
  cfg.anchors.push({
    kid: info.kid,
    fingerprint: info.fingerprint,
    issuers: ["sigil-core"],
    audience: "sigil-sign",
    jwk: info.publicJwk,
  });
  cfg.agents.push({
    id: agentId,
    name: "bench-agent",
    token_sha256: hashToken(token),
    created_at: new Date().toISOString(),
  });
  cfg.backends.push({ name: "bench-env", kind: "env", options: {} });
  cfg.routes.push({
    id: generateId("rt"),
    agent_id: agentId,
    host: routeHost,
    path: "/v1/*",
    backend: "bench-env",
    secret: "BENCH_KEY",
    inject: "header:Authorization=Bearer {value}",
    binding,
    upstream_ca: caFile,
  });
  writeConfigFile(home.config, cfg);
  return { dir, home, token, agentName: "bench-agent", key };
}
