/**
 * The `aws-secrets-manager` backend (spec §7): GetSecretValue through the AWS SDK, just in time,
 * with the base credentials of the standard AWS chain. `--secret` is `SECRET_ID[#FIELD][@STAGE]`;
 * a JSON SecretString yields one field per member, a SecretBinary yields `value` as bytes.
 * The SDK is imported when a backend of this kind is created, so a Vault without one never loads it.
 */
import { SigilError } from "../errors.js";
import { createCredential, type Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";
import { credentialFromBytes } from "./fields.js";
import { callAws } from "./aws/call.js";
import { awsClientConfig, checkAwsEndpoint } from "./aws/client-config.js";
import { awsBaseCredentials } from "./aws/credentials.js";
import { parseSecretRef } from "./aws/secret-ref.js";

type Sdk = typeof import("@aws-sdk/client-secrets-manager");
type Output = import("@aws-sdk/client-secrets-manager").GetSecretValueCommandOutput;

let sdk: Promise<Sdk> | undefined;
const loadSdk = () => (sdk ??= import("@aws-sdk/client-secrets-manager"));

export function createAwsSecretsManagerBackend(
  name: string,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
): Backend {
  const credentials = awsBaseCredentials(options, deps.env);
  let client: Promise<InstanceType<Sdk["SecretsManagerClient"]>> | undefined;
  const getClient = () =>
    (client ??= loadSdk().then(
      (m) => new m.SecretsManagerClient(awsClientConfig(options, deps, credentials)),
    ));
  // Configured means used: start loading the SDK now so the first request does not pay for it.
  getClient().catch(() => undefined);
  return {
    name,
    kind: "aws-secrets-manager",
    // The SDK client owns a keep-alive agent; destroying it closes the pooled sockets.
    close: async () => (await client?.catch(() => undefined))?.destroy(),
    async fetch(secretRef, ctx) {
      checkAwsEndpoint(name, options);
      const ref = parseSecretRef(secretRef);
      const out = await callAws(name, "GetSecretValue", ctx.signal, async () => {
        const [m, c] = await Promise.all([loadSdk(), getClient()]);
        const command = new m.GetSecretValueCommand({
          SecretId: ref.secretId,
          ...(ref.stage !== undefined ? { VersionStage: ref.stage } : {}),
        });
        return c.send(command, { abortSignal: ctx.signal });
      });
      return createCredential(fieldsOf(out, ref.field));
    },
  };
}

/** SecretString → named fields (JSON members, `#field`); SecretBinary → `value` bytes. */
function fieldsOf(out: Output, field: string | undefined): Map<string, Buffer> {
  if (typeof out.SecretString === "string") {
    return credentialFromBytes(Buffer.from(out.SecretString, "utf8"), field);
  }
  const binary = out.SecretBinary;
  if (binary instanceof Uint8Array) {
    const value = Buffer.from(binary);
    binary.fill(0);
    if (field !== undefined) {
      value.fill(0);
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        "aws-secrets-manager: #field needs a JSON SecretString, this secret is binary",
      );
    }
    return new Map([["value", value]]);
  }
  throw new SigilError(
    "ERR_BACKEND_FAILED",
    "aws-secrets-manager: the secret version has no value",
  );
}
