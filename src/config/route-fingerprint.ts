/**
 * A route's fingerprint: SHA-256 over everything that decides what a credential released on it can
 * do — the route entry as written (agent, host, path, methods, binding, injection, secret, and any
 * field added later), its backend's entry, and the contents of its upstream CA and session policy
 * files. Open sessions compare it across reloads (proxy/access-watch.ts): a route whose id stayed
 * the same but whose fingerprint changed is a different grant.
 */
import { createHash } from "node:crypto";

export function routeFingerprint(parts: {
  route: unknown;
  backend: unknown;
  upstreamCaPem?: string;
  sessionPolicy?: string;
}): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}
