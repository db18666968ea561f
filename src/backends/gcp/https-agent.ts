/**
 * One keep-alive HTTPS agent per backend, shared by the token exchange and Secret Manager calls.
 * Verification is always on; extra roots (tests' fake CA) are added to the bundled roots, and
 * without them Node's default store (including NODE_EXTRA_CA_CERTS) is used unchanged.
 */
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";

export function createBackendAgent(extraCa: readonly string[] = []): Agent {
  return new Agent({
    keepAlive: true,
    rejectUnauthorized: true,
    ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
  });
}
