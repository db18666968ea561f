/**
 * The `aws-sts` backend (spec §7): AssumeRole just in time, once per request (never cached), with
 * the base credentials of the standard AWS chain and the route's inline session policy, releasing
 * `accessKeyId` / `secretAccessKey` / `sessionToken` — normally injected with `aws-sigv4`.
 * The SDK is imported when a backend of this kind is created.
 */
import { randomBytes } from "node:crypto";
import { SigilError } from "../errors.js";
import { createCredential, type Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";
import { callAws } from "./aws/call.js";
import { awsClientConfig, checkAwsEndpoint } from "./aws/client-config.js";
import { awsBaseCredentials } from "./aws/credentials.js";

type Sdk = typeof import("@aws-sdk/client-sts");

let sdk: Promise<Sdk> | undefined;
const loadSdk = () => (sdk ??= import("@aws-sdk/client-sts"));

const DEFAULT_DURATION_SECONDS = 900;

export function createAwsStsBackend(
  name: string,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
): Backend {
  const credentials = awsBaseCredentials(options, deps.env);
  const duration = Number(options["duration_seconds"] ?? DEFAULT_DURATION_SECONDS);
  const externalId = options["external_id"];
  let client: Promise<InstanceType<Sdk["STSClient"]>> | undefined;
  const getClient = () =>
    (client ??= loadSdk().then(
      (m) => new m.STSClient(awsClientConfig(options, deps, credentials)),
    ));
  // Configured means used: start loading the SDK now so the first request does not pay for it.
  getClient().catch(() => undefined);
  return {
    name,
    kind: "aws-sts",
    // The SDK client owns a keep-alive agent; destroying it closes the pooled sockets.
    close: async () => (await client?.catch(() => undefined))?.destroy(),
    async fetch(secretRef, ctx) {
      checkAwsEndpoint(name, options);
      if (secretRef !== "") {
        throw new SigilError(
          "ERR_BACKEND_FAILED",
          `backend ${name}: aws-sts takes no secret reference (the role is the backend's role_arn)`,
        );
      }
      const out = await callAws(name, "AssumeRole", ctx.signal, async () => {
        const [m, c] = await Promise.all([loadSdk(), getClient()]);
        const command = new m.AssumeRoleCommand({
          RoleArn: options["role_arn"],
          RoleSessionName:
            options["session_name"] ?? `sigil-vault-${randomBytes(6).toString("hex")}`,
          DurationSeconds: duration,
          ...(externalId !== undefined ? { ExternalId: externalId } : {}),
          ...(ctx.sessionPolicy !== undefined ? { Policy: ctx.sessionPolicy } : {}),
        });
        return c.send(command, { abortSignal: ctx.signal });
      });
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new SigilError(
          "ERR_BACKEND_FAILED",
          `backend ${name}: AssumeRole returned no credentials`,
        );
      }
      return createCredential(
        new Map([
          ["accessKeyId", Buffer.from(c.AccessKeyId, "utf8")],
          ["secretAccessKey", Buffer.from(c.SecretAccessKey, "utf8")],
          ["sessionToken", Buffer.from(c.SessionToken, "utf8")],
        ]),
      );
    },
  };
}
