/**
 * Base credentials for the AWS backends: the standard AWS chain. Static keys in the environment
 * Vault was given (BackendDeps.env) are used directly, as the SDK's `fromEnv` would; otherwise the
 * SDK's Node chain (shared config/profile, SSO, web identity, process, container and instance
 * metadata), loaded lazily. Those providers read `process.env` themselves for what is not passed
 * here (container/IMDS variables): see docs/backends/aws-secrets-manager.md.
 */
import type { BackendDeps } from "../deps.js";

/** A credentials provider as the AWS SDK clients accept it. */
export type AwsCredentialProvider = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}>;

export function awsBaseCredentials(
  options: Readonly<Record<string, string>>,
  env: BackendDeps["env"],
): AwsCredentialProvider {
  const profile = options["profile"] ?? env["AWS_PROFILE"];
  const keyId = env["AWS_ACCESS_KEY_ID"];
  const secret = env["AWS_SECRET_ACCESS_KEY"];
  if (!profile && keyId && secret) {
    const token = env["AWS_SESSION_TOKEN"];
    const fromEnv = {
      accessKeyId: keyId,
      secretAccessKey: secret,
      ...(token ? { sessionToken: token } : {}),
    };
    return async () => fromEnv;
  }
  let chain: Promise<AwsCredentialProvider> | undefined;
  return async () => {
    chain ??= import("@aws-sdk/credential-providers").then((m) =>
      m.fromNodeProviderChain({
        ...defined({
          profile,
          filepath: env["AWS_SHARED_CREDENTIALS_FILE"],
          configFilepath: env["AWS_CONFIG_FILE"],
          webIdentityTokenFile: env["AWS_WEB_IDENTITY_TOKEN_FILE"],
          roleArn: env["AWS_ROLE_ARN"],
          roleSessionName: env["AWS_ROLE_SESSION_NAME"],
        }),
        clientConfig: { region: options["region"] },
      }),
    );
    return (await chain)();
  };
}

function defined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
}
