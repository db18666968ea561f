/**
 * One keep-alive HTTPS agent per backend, shared by the token exchange and Secret Manager calls.
 * Verification is always on. Extra roots (tests' fake CA) join the bundled roots in one secure
 * context built once: passing `ca` per request would make Node re-key its socket pool on ~150
 * PEMs every call (~15 ms). Without extra roots Node's default store (incl. NODE_EXTRA_CA_CERTS)
 * is used unchanged.
 */
import { Agent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";

export function createBackendAgent(extraCa: readonly string[] = []): Agent {
  return new Agent({
    keepAlive: true,
    rejectUnauthorized: true,
    ...(extraCa.length > 0
      ? { secureContext: createSecureContext({ ca: [...rootCertificates, ...extraCa] }) }
      : {}),
  });
}
