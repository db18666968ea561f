/**
 * One local HTTPS server (test PKI) playing Azure's public endpoints: Key Vault at
 * `sigil-test.vault.azure.net` and Entra ID at `login.microsoftonline.com` (and `.us`), routed by
 * Host. Clients keep Azure's real host names — so the SDK's challenge-resource check runs
 * unmodified — and reach this server through `resolve` ("host:443" → 127.0.0.1:port), the
 * backend's `--resolve`-style address override; TLS still verifies those names against the test CA.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer } from "node:https";
import type { AzureKeyVaultDeps } from "../../src/backends/azure-key-vault.js";
import { createTestPki } from "../helpers/pki.js";
import { createFakeEntra, json, type FakeEntra, type FakeEntraApp } from "./azure-identity.js";
import { createFakeKeyVault, type FakeKeyVault } from "./azure-key-vault.js";
import { listenOnLoopback } from "../helpers/loopback-server.js";

export const VAULT_HOST = "sigil-test.vault.azure.net";
/** A vault outside Azure's domain: its challenge (resource vault.azure.net) must be refused. */
export const FOREIGN_VAULT_HOST = "vault.not-azure.test";
export const TENANT_ID = "7f0c9a4e-3b1d-4c55-9e0a-5d2b8c1f6a90";
export const CLIENT_ID = "3c8e2d7a-91f4-4b0e-8a6d-2f5c7b9e1d04";
export const CLIENT_SECRET = "fake-client-secret-~8Q~abcdefghijklmnop";
const AUTHORITY_HOSTS = ["login.microsoftonline.com", "login.microsoftonline.us"];

/** One request as the fake saw it (no bodies or headers: they carry secrets). */
export interface AzureRequestRecord {
  host: string;
  method: string;
  path: string;
  /** Whether an Authorization header was present. */
  bearer: boolean;
}

export interface FakeAzure {
  readonly caPem: string;
  readonly vaultUrl: string;
  readonly entra: FakeEntra;
  readonly vault: FakeKeyVault;
  readonly requests: AzureRequestRecord[];
  /** Backend deps that reach this fake: its CA as an extra root, every Azure host → this server. */
  deps(env?: NodeJS.ProcessEnv): AzureKeyVaultDeps;
  /** A key whose signed JWTs the federated credential of WORKLOAD_CLIENT_ID accepts. */
  readonly federatedKey: KeyObject;
  close(): Promise<void>;
}

export const WORKLOAD_CLIENT_ID = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
export const FEDERATED_ISSUER = "https://oidc.prod-aks.azure.com/sigil-test/";
export const FEDERATED_SUBJECT = "system:serviceaccount:sigil:sigil-vault";

export async function startFakeAzure(): Promise<FakeAzure> {
  const pki = createTestPki("Fake Azure Test CA");
  const hosts = [VAULT_HOST, FOREIGN_VAULT_HOST, ...AUTHORITY_HOSTS];
  const leaf = pki.issue(hosts);
  const federated = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const apps: FakeEntraApp[] = [
    { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    {
      clientId: WORKLOAD_CLIENT_ID,
      federated: {
        issuer: FEDERATED_ISSUER,
        subject: FEDERATED_SUBJECT,
        publicKey: federated.publicKey,
      },
    },
  ];
  const entra = createFakeEntra({ tenantId: TENANT_ID, apps });
  const vault = createFakeKeyVault(entra);
  const requests: AzureRequestRecord[] = [];
  const server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
      const url = new URL(req.url ?? "/", `https://${host}`);
      const method = req.method ?? "";
      requests.push({
        host,
        method,
        path: url.pathname,
        bearer: req.headers.authorization !== undefined,
      });
      if (host === VAULT_HOST || host === FOREIGN_VAULT_HOST)
        return vault.handle(host, method, url, req.headers.authorization, res);
      if (AUTHORITY_HOSTS.includes(host))
        return entra.handle(host, method, url, Buffer.concat(chunks), res);
      json(res, 421, { error: "misdirected request" });
    });
  });
  const listener = await listenOnLoopback(server);
  const port = listener.port;
  const target = { host: "127.0.0.1", port };
  const resolveMap = new Map(hosts.map((h) => [`${h}:443`, target]));
  return {
    caPem: pki.caPem,
    vaultUrl: `https://${VAULT_HOST}`,
    entra,
    vault,
    requests,
    deps: (env = {}) => ({ env, extraCa: [pki.caPem], resolve: resolveMap }),
    federatedKey: federated.privateKey,
    close: listener.close,
  };
}
