/**
 * The `gcp-secret-manager` backend (spec §7): a Google access token from Application Default
 * Credentials (service-account key file or the metadata server, via google-auth-library), then
 * `versions/<v>:access` over our own verified HTTPS, with the payload's CRC32C checked.
 */
import { createCredential, type Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";
import { credentialFromBytes } from "./fields.js";
import { backendTimeoutMs } from "./options.js";
import { abortError, raceAbort } from "./abort.js";
import { accessSecretVersion, UnauthenticatedError } from "./gcp/access-secret.js";
import { createBackendAgent } from "./gcp/https-agent.js";
import { parseSecretRef } from "./gcp/secret-ref.js";
import { readGcpSettings } from "./gcp/settings.js";
import { createTokenSource } from "./gcp/token-source.js";

export function createGcpSecretManagerBackend(
  name: string,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
): Backend {
  const settings = readGcpSettings(options);
  const agent = createBackendAgent(deps.extraCa);
  const credentialsFile = settings.credentialsFile ?? deps.env["GOOGLE_APPLICATION_CREDENTIALS"];
  const tokens = createTokenSource({
    backend: name,
    agent,
    timeoutMs: backendTimeoutMs(options),
    ...(credentialsFile ? { credentialsFile } : {}),
    ...(settings.tokenUri ? { tokenUri: settings.tokenUri } : {}),
  });
  return {
    name,
    kind: "gcp-secret-manager",
    close: async () => agent.destroy(),
    async fetch(secretRef, ctx) {
      const ref = parseSecretRef(secretRef, settings.project);
      const token = await raceAbort(tokens.getToken(), ctx.signal, (reason) =>
        abortError(reason, `backend ${name} did not answer in time`),
      );
      const request = { backend: name, endpoint: settings.endpoint, agent, signal: ctx.signal };
      const raw = await accessSecretVersion({ ...request, name: ref.name, token }).catch(
        (err: unknown) => {
          if (err instanceof UnauthenticatedError) tokens.invalidate();
          throw err;
        },
      );
      return createCredential(credentialFromBytes(raw, ref.field));
    },
  };
}
