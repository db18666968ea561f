/**
 * One backend of each networked kind, its real client path pointed at a fault server that stands
 * in front of the kind's local fake: "pass" reaches the fake (so auth and the happy path are
 * real), every other fault replaces the service's answer. Sign-in endpoints stay direct.
 */
import type { BackendEntry } from "../../src/config/schema.js";
import { createAwsAccount } from "../fakes/aws-account.js";
import { startFakeSecretsManager } from "../fakes/aws-secrets-manager.js";
import { startFakeSts } from "../fakes/aws-sts.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT_ID,
  VAULT_HOST,
  startFakeAzure,
} from "../fakes/azure-cloud.js";
import { startFakeGcp } from "../fakes/gcp-stack.js";
import { startFakeVault } from "../fakes/hashicorp-vault.js";
import { startFaultServer, type FaultServer } from "../helpers/fault-server.js";
import type { HarnessRoute } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";

/** A backend kind behind its fault server, and what the harness needs to use it. */
export interface FaultStack {
  kind: BackendEntry["kind"];
  fault: FaultServer;
  backend: BackendEntry;
  route: HarnessRoute;
  env: Record<string, string>;
  backendCa: string[];
  resolve: Record<string, string>;
  close(): Promise<void>;
}

const REGION = "eu-west-1";
const ROLE = "arn:aws:iam::123456789012:role/fault-test";

/** Starts every stack; `timeoutMs` is each backend's `timeout_ms`. */
export async function startFaultStacks(timeoutMs: number): Promise<FaultStack[]> {
  const faultPki = createTestPki("Fault server CA");
  const timeout_ms = String(timeoutMs);
  const stack = async (
    kind: BackendEntry["kind"],
    target: { port: number; caPem: string; servername?: string },
    made: Omit<FaultStack, "kind" | "fault" | "backend" | "route" | "backendCa"> & {
      options: (origin: string) => Record<string, string>;
      secret: string;
      inject?: string;
      hosts?: string[];
      ca: string;
    },
  ): Promise<FaultStack> => {
    const fault = await startFaultServer(faultPki.issue(made.hosts ?? ["127.0.0.1"]), target);
    const name = `fault-${kind}`;
    return {
      kind,
      fault,
      backend: { name, kind, options: { ...made.options(fault.origin), timeout_ms } },
      route: { path: `/${kind}/*`, backend: name, secret: made.secret, inject: made.inject },
      env: made.env,
      backendCa: [faultPki.caPem, made.ca],
      resolve: made.resolve,
      close: async () => {
        await fault.close();
        await made.close();
      },
    };
  };

  const vault = await startFakeVault();
  vault.putKv2("secret", "app", { token: "hv-fault-secret" });
  const vaultToken = vault.addToken({ paths: ["secret/*"] });
  const pki = createTestPki("Fake AWS CA");
  const account = createAwsAccount();
  const user = account.addUser("vault-host");
  const awsEnv = {
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
  };
  const sm = await startFakeSecretsManager({ pki, account, region: REGION });
  sm.putSecret("prod/key", "sm-fault-secret");
  const sts = await startFakeSts({ pki, account, region: REGION });
  sts.addRole(ROLE, { trusted: [user.accessKeyId] });
  const azure = await startFakeAzure();
  azure.vault.putSecret("api-key", "az-fault-secret");
  const azureResolve = azure.deps().resolve!;
  const azurePort = azureResolve.get(`${VAULT_HOST}:443`)!.port;
  const gcp = await startFakeGcp();
  gcp.secretManager.addSecret("api-key", ["gcp-fault-secret"]);

  return Promise.all([
    stack(
      "hashicorp-vault",
      { port: Number(new URL(vault.url).port), caPem: vault.caPem },
      {
        options: (origin) => ({ vault_addr: origin }),
        secret: "secret/data/app#token",
        env: { VAULT_TOKEN: vaultToken },
        ca: vault.caPem,
        resolve: {},
        close: () => vault.close(),
      },
    ),
    stack(
      "aws-secrets-manager",
      { port: sm.port, caPem: pki.caPem },
      {
        options: (endpoint) => ({ region: REGION, endpoint }),
        secret: "prod/key",
        env: awsEnv,
        ca: pki.caPem,
        resolve: {},
        close: () => sm.close(),
      },
    ),
    stack(
      "aws-sts",
      { port: sts.port, caPem: pki.caPem },
      {
        options: (endpoint) => ({ region: REGION, role_arn: ROLE, endpoint }),
        secret: "",
        inject: "header:x-key-id={accessKeyId}",
        env: awsEnv,
        ca: pki.caPem,
        resolve: {},
        close: () => sts.close(),
      },
    ),
    stack(
      "azure-key-vault",
      { port: azurePort, caPem: azure.caPem, servername: VAULT_HOST },
      {
        options: () => ({
          vault_url: azure.vaultUrl,
          tenant_id: TENANT_ID,
          client_id: CLIENT_ID,
          client_secret_env: "AZ_SECRET",
        }),
        secret: "secret/api-key",
        env: { AZ_SECRET: CLIENT_SECRET },
        hosts: [VAULT_HOST],
        ca: azure.caPem,
        // Entra ID stays direct; the vault's name goes to the fault server (set once it listens).
        resolve: Object.fromEntries([...azureResolve].map(([k, t]) => [k, `${t.host}:${t.port}`])),
        close: () => azure.close(),
      },
    ),
    stack(
      "gcp-secret-manager",
      { port: gcp.secretManager.port, caPem: gcp.pki.caPem },
      {
        options: (endpoint) => ({ ...gcp.options, endpoint }),
        secret: "api-key",
        env: {},
        ca: gcp.pki.caPem,
        resolve: {},
        close: () => gcp.close(),
      },
    ),
  ]).then((stacks) => {
    for (const s of stacks) {
      if (s.kind === "azure-key-vault")
        s.resolve[`${VAULT_HOST}:443`] = `127.0.0.1:${s.fault.port}`;
    }
    return stacks;
  });
}
