/**
 * Where calls for `vault_addr` connect. The proxy's `--resolve` / `proxy.resolve` map applies to
 * backend endpoints too: a mapped "host:port" connects to the mapped address while TLS still
 * verifies the name in `vault_addr` and the Host header still carries it.
 */
import type { PeerCertificate } from "node:tls";
import { checkServerIdentity } from "node:tls";
import { isIP } from "node:net";
import type { ResolveTarget } from "../../config/resolve.js";

export interface VaultEndpoint {
  readonly secure: boolean;
  /** Prefix before `/v1/` when Vault is served under a path (usually ""). */
  readonly pathPrefix: string;
  /** The Host header: `vault_addr`'s authority. */
  readonly hostHeader: string;
  /** Connection options shared by every call. */
  readonly connect: {
    hostname: string;
    port: number;
    servername?: string;
    checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  };
}

export function vaultEndpoint(
  base: string,
  resolve: ReadonlyMap<string, ResolveTarget> | undefined,
): VaultEndpoint {
  const url = new URL(base);
  const secure = url.protocol === "https:";
  const name = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (secure ? 443 : 80));
  const target = resolve?.get(`${name.toLowerCase()}:${port}`);
  const common = { secure, pathPrefix: url.pathname.replace(/\/+$/, ""), hostHeader: url.host };
  if (!target) return { ...common, connect: { hostname: name, port } };
  return {
    ...common,
    connect: {
      hostname: target.host,
      port: target.port,
      ...(isIP(name) === 0 ? { servername: name } : {}),
      checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
    },
  };
}
