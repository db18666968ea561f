/**
 * The `hashicorp-vault` backend (spec §7): KV v1/v2 secrets, dynamic secrets whose lease is revoked
 * when the request completes, and PKI certificates for `mtls`, read just in time with a cached Vault
 * login (token, AppRole, JWT or Kubernetes). Pieces live in ./hashicorp/.
 */
import { raceAbort, releaseLate } from "./abort.js";
import { UnusedLeaseError, type Backend, type Credential, type FetchContext } from "./backend.js";
import type { BackendDeps } from "./deps.js";
import { createVaultClient } from "./hashicorp/client.js";
import { abortError, createVaultHttp } from "./hashicorp/http.js";
import { readVaultSecret } from "./hashicorp/secret.js";
import { parseVaultSecretRef, type VaultSecretRef } from "./hashicorp/secret-ref.js";
import { createVaultSession } from "./hashicorp/session.js";
import { resolveVaultSettings } from "./hashicorp/settings.js";

/** Test and benchmark hooks; production uses the defaults. */
export interface VaultBackendHooks {
  /** Clock for the login token's TTL; default Date.now. */
  nowMs?: () => number;
}

export function createHashicorpVaultBackend(
  name: string,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
  hooks: VaultBackendHooks = {},
): Backend {
  const settings = resolveVaultSettings(name, options);
  const http = createVaultHttp(settings, deps);
  const session = createVaultSession(
    settings,
    http,
    deps.env,
    hooks.nowMs ?? Date.now,
    deps.logger,
  );
  const client = createVaultClient(http, session);
  const refs = new Map<string, VaultSecretRef>();

  return {
    name,
    kind: "hashicorp-vault",
    async fetch(secretRef, ctx): Promise<Credential> {
      let ref = refs.get(secretRef);
      if (!ref) {
        ref = parseVaultSecretRef(name, secretRef);
        if (refs.size < 1024) refs.set(secretRef, ref);
      }
      if (ctx.signal.aborted) throw abortError(settings, ctx.signal.reason);
      // The call runs under the backend's own cap rather than the caller's signal, so a dynamic
      // secret Vault issues after the caller gave up is still seen — and revoked — below.
      const cap = AbortSignal.timeout(settings.timeoutMs);
      const work = readVaultSecret(settings, client, ref, cap, deps.logger);
      return raceAbort(work, ctx.signal, (reason) => {
        abandonLate(work, ctx);
        return abortError(settings, reason);
      });
    },
    close: async () => http.close(),
  };
}

/**
 * Who releases what a fetch yields after the caller gave up: the caller's release tracker when it
 * adopts late work (it also audits a failed revocation), else this backend.
 */
function abandonLate(work: Promise<Credential>, ctx: FetchContext): void {
  if (ctx.adopt) return ctx.adopt(work);
  work.then(releaseLate, (err: unknown) => {
    if (err instanceof UnusedLeaseError) releaseLate(err.unused);
  });
}
