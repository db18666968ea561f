/**
 * What both AWS SDK clients are built with: the backend's region and optional endpoint, the base
 * credential chain, one retry, and — when the process adds trust roots for backend endpoints
 * (tests' fake services) — an HTTPS agent that trusts them on top of the system roots.
 */
import { Agent } from "node:https";
import { isIP } from "node:net";
import { rootCertificates } from "node:tls";
import { SigilError } from "../../errors.js";
import type { BackendDeps } from "../deps.js";
import type { AwsCredentialProvider } from "./credentials.js";

export function awsClientConfig(
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
  credentials: AwsCredentialProvider,
) {
  // The SDK prints a multi-line NodeVersionSupportWarning on Node < 22 when a client is built.
  // Vault supports Node 20 deliberately, so the SDK's documented switch turns it off unless the
  // operator set it; this is the only process-wide effect of the AWS backends.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const endpoint = options["endpoint"];
  const extraCa = deps.extraCa ?? [];
  return {
    region: options["region"] as string,
    credentials,
    maxAttempts: 2,
    ...(endpoint ? { endpoint } : {}),
    ...(extraCa.length > 0
      ? {
          requestHandler: {
            httpsAgent: new Agent({ keepAlive: true, ca: [...rootCertificates, ...extraCa] }),
          },
        }
      : {}),
  };
}

/**
 * Fails closed on an `http://` endpoint that is not loopback (a local emulator): the answer carries
 * the secret or the issued keys, which must not cross a network in clear.
 */
export function checkAwsEndpoint(backend: string, options: Readonly<Record<string, string>>): void {
  const endpoint = options["endpoint"];
  if (endpoint === undefined || !endpoint.startsWith("http://")) return;
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  const loopback =
    host === "localhost" || (isIP(host) === 4 && host.startsWith("127.")) || host === "::1";
  if (!loopback) {
    throw new SigilError(
      "ERR_BACKEND_FAILED",
      `backend ${backend}: endpoint must be https:// (plain http only to a loopback address)`,
    );
  }
}
