/**
 * The agent side of the CLI fixture without a process per request: attestations minted in-process
 * with the dev signer's own key file (what `dev attest` does), sent through the proxy on a port.
 * Each request gets a unique path, so the upstream's records and the audit log can be correlated.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { loadDevKey } from "../../src/dev/keys.js";
import { agentRequest, type AgentResponse } from "../helpers/agent-client.js";
import { AGENT_NAME, API_HOST, type VaultFixture } from "./vault-fixture.js";

/** One attested request as the agent sent it, and what came back. */
export interface Sent {
  /** `/v1/<label>/<uuid>`. */
  readonly path: string;
  /** What Vault records as the attestation's replay id. */
  readonly replayId: string;
  readonly headers: Record<string, string>;
  /** Status received, or undefined when the connection failed. */
  status?: number;
}

export interface AttestedAgent {
  /** A fresh attestation bound to GET on a new unique path. */
  mint(label: string): Sent;
  send(port: number, s: Sent): Promise<AgentResponse>;
}

export async function createAttestedAgent(vault: VaultFixture): Promise<AttestedAgent> {
  const key = await loadDevKey(join(vault.dir, "dev-signer.jwk"));
  const ca = await readFile(vault.caCert, "utf8");
  return {
    mint(label) {
      const path = `/v1/${label}/${randomUUID()}`;
      const url = `https://${API_HOST}${path}`;
      const att = makeDevAttestation({
        key,
        agentName: AGENT_NAME,
        nowMs: Date.now(),
        method: "GET",
        url,
      });
      return {
        path,
        // No jti in Sign's tokens: the replay id is the compact token's SHA-256 (spec §5.3).
        replayId: `sha256:${createHash("sha256").update(att.attestation).digest("hex")}`,
        headers: { "x-sigil-attestation": att.attestation, "x-sigil-intent": att.intent! },
      };
    },
    send: (port, s) =>
      agentRequest({
        proxyPort: port,
        token: vault.agent.token,
        host: API_HOST,
        ca,
        path: s.path,
        headers: s.headers,
        timeoutMs: 8000,
      }),
  };
}
