/**
 * The config every backend end-to-end test starts from: one pinned dev signing key (inline JWK)
 * and one agent, plus the test's own backends and routes.
 */
import { hashToken } from "../../src/agents.js";
import type { BackendEntry, ConfigFile, RouteEntry } from "../../src/config/schema.js";
import { devKeyInfo, type DevKey } from "../../src/dev/keys.js";

/** The agent as the test knows it: its id, name and the token it will send. */
export interface TestAgent {
  id: string;
  name: string;
  token: string;
}

export function oneAgentConfig(
  key: DevKey,
  agent: TestAgent,
  backends: BackendEntry[],
  routes: RouteEntry[],
): ConfigFile {
  const { fingerprint, publicJwk } = devKeyInfo(key);
  return {
    version: 1,
    proxy: {},
    anchors: [
      {
        kid: key.kid,
        fingerprint,
        issuers: ["sigil-core"],
        audience: "sigil-sign",
        jwk: publicJwk,
      },
    ],
    agents: [
      {
        id: agent.id,
        name: agent.name,
        token_sha256: hashToken(agent.token),
        created_at: "2025-01-01T00:00:00Z",
      },
    ],
    backends,
    routes,
  };
}
