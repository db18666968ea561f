/**
 * A fake AWS Secrets Manager speaking its wire protocol (awsJson1_1: `POST /`,
 * `X-Amz-Target: secretsmanager.GetSecretValue`, JSON bodies, `{"__type": …}` errors with AWS's
 * status codes), verifying every request's SigV4 signature with the independent verifier.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { TestPki } from "../helpers/pki.js";
import type { AwsAccount } from "./aws-account.js";
import { header, send, startAwsServer, type AwsFakeServer } from "./aws-server.js";
import { verifySigV4, type ReceivedRequest, type VerifyFailure } from "./sigv4-verify.js";

/** One stored version of a secret. */
export interface FakeSecretVersion {
  versionId: string;
  stages: string[];
  string?: string;
  binary?: Buffer;
}

interface FakeSecret {
  name: string;
  arn: string;
  versions: FakeSecretVersion[];
  deleted: boolean;
  /** Access key ids allowed to read it; undefined = anyone in the account. */
  readers?: string[];
}

/** What the service was asked, for assertions. */
export interface GetSecretValueCall {
  accessKeyId: string;
  input: Record<string, unknown>;
}

/** An operation the service carried out (signature verified), GetSecretValue included. */
export interface ExecutedOperation {
  operation: string;
  accessKeyId: string;
  secretId: unknown;
}

export interface FakeSecretsManager extends AwsFakeServer {
  readonly calls: GetSecretValueCall[];
  /** Every operation executed, in order: what an attacker got the service to do. */
  readonly executed: ExecutedOperation[];
  /** Stores a new version (AWSCURRENT unless stages are given); the old AWSCURRENT becomes AWSPREVIOUS. */
  putSecret(name: string, value: string | Buffer, stages?: string[]): FakeSecretVersion;
  /** The secret's full ARN (with AWS's random six-character suffix). */
  arnOf(name: string): string;
  markDeleted(name: string): void;
  restrictReaders(name: string, accessKeyIds: string[]): void;
  /** Every GetSecretValue answers this error until cleared (e.g. 500 InternalServiceError). */
  failWith?: { status: number; type: string };
}

const JSON_TYPE = "application/x-amz-json-1.1";
const AUTH_ERRORS: Record<VerifyFailure, [string, string]> = {
  MissingAuthentication: ["MissingAuthenticationTokenException", "Missing Authentication Token"],
  IncompleteSignature: ["IncompleteSignatureException", "Authorization header is incomplete."],
  UnknownAccessKey: [
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
  ],
  InvalidSecurityToken: [
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
  ],
  SignatureExpired: ["InvalidSignatureException", "Signature expired."],
  WrongScope: ["InvalidSignatureException", "Credential should be scoped to a valid region."],
  ContentSha256Mismatch: ["InvalidSignatureException", "The payload hash does not match."],
  SignatureDoesNotMatch: [
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  ],
};

export async function startFakeSecretsManager(opts: {
  pki: TestPki;
  account: AwsAccount;
  region: string;
  nowMs?: () => number;
  /** Names on the certificate (default 127.0.0.1 and localhost), e.g. to serve as an upstream. */
  hosts?: string[];
}): Promise<FakeSecretsManager> {
  const nowMs = opts.nowMs ?? Date.now;
  const secrets = new Map<string, FakeSecret>();
  const calls: GetSecretValueCall[] = [];
  const executed: ExecutedOperation[] = [];
  let self: FakeSecretsManager | undefined;

  const handle = (req: ReceivedRequest, res: ServerResponse) => {
    const error = (status: number, type: string, message: string) =>
      send(res, status, JSON_TYPE, JSON.stringify({ __type: type, message }));
    if (req.method !== "POST" || req.url.split("?")[0] !== "/") {
      return error(404, "UnknownOperationException", "");
    }
    const verified = verifySigV4(req, {
      service: "secretsmanager",
      region: opts.region,
      lookup: (id) => opts.account.lookup(id, nowMs()),
      nowMs: nowMs(),
    });
    if (!verified.ok) return error(400, ...AUTH_ERRORS[verified.reason]);
    const operation = header(req, "x-amz-target")?.replace(/^secretsmanager\./, "") ?? "";
    if (!["GetSecretValue", "DescribeSecret", "DeleteSecret"].includes(operation)) {
      return error(400, "UnknownOperationException", "");
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return error(
        400,
        "SerializationException",
        "Start of structure or map found where not expected.",
      );
    }
    executed.push({ operation, accessKeyId: verified.accessKeyId, secretId: input["SecretId"] });
    if (operation !== "GetSecretValue") return metadataOperation(res, operation, input);
    calls.push({ accessKeyId: verified.accessKeyId, input });
    const forced = self?.failWith;
    if (forced) return error(forced.status, forced.type, "");
    const id = input["SecretId"];
    if (typeof id !== "string" || id === "") {
      return error(400, "ValidationException", "1 validation error detected: secretId");
    }
    const secret = [...secrets.values()].find((s) => s.name === id || s.arn === id);
    const notFound = "Secrets Manager can't find the specified secret.";
    if (!secret) return error(400, "ResourceNotFoundException", notFound);
    if (secret.readers && !secret.readers.includes(verified.accessKeyId)) {
      const who = opts.account.principalOf(verified.accessKeyId);
      return error(
        400,
        "AccessDeniedException",
        `User: ${who} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      );
    }
    if (secret.deleted) {
      return error(
        400,
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    const stage = typeof input["VersionStage"] === "string" ? input["VersionStage"] : "AWSCURRENT";
    const version =
      typeof input["VersionId"] === "string"
        ? secret.versions.find((v) => v.versionId === input["VersionId"])
        : secret.versions.find((v) => v.stages.includes(stage));
    if (!version) {
      return error(
        400,
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    send(
      res,
      200,
      JSON_TYPE,
      JSON.stringify({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...(version.string !== undefined ? { SecretString: version.string } : {}),
        ...(version.binary !== undefined
          ? { SecretBinary: version.binary.toString("base64") }
          : {}),
        VersionStages: version.stages,
        CreatedDate: Math.floor(nowMs() / 1000),
      }),
    );
  };

  /** DescribeSecret and DeleteSecret (which marks the secret deleted), answering name and ARN. */
  const metadataOperation = (res: ServerResponse, op: string, input: Record<string, unknown>) => {
    const secret = [...secrets.values()].find((s) => s.name === input["SecretId"]);
    if (!secret)
      return send(res, 400, JSON_TYPE, JSON.stringify({ __type: "ResourceNotFoundException" }));
    if (op === "DeleteSecret") secret.deleted = true;
    send(res, 200, JSON_TYPE, JSON.stringify({ ARN: secret.arn, Name: secret.name }));
  };

  const server = await startAwsServer(opts.pki, handle, opts.hosts);
  self = Object.assign(server, {
    calls,
    executed,
    failWith: undefined as FakeSecretsManager["failWith"],
    putSecret(name: string, value: string | Buffer, stages = ["AWSCURRENT"]) {
      let secret = secrets.get(name);
      if (!secret) {
        const suffix = randomUUID().slice(0, 6);
        const arn = `arn:aws:secretsmanager:${opts.region}:${opts.account.accountId}:secret:${name}-${suffix}`;
        secret = { name, arn, versions: [], deleted: false };
        secrets.set(name, secret);
      }
      const current = stages.includes("AWSCURRENT")
        ? secret.versions.find((v) => v.stages.includes("AWSCURRENT"))
        : undefined;
      const moved = current ? [...stages, "AWSPREVIOUS"] : stages;
      for (const v of secret.versions) v.stages = v.stages.filter((s) => !moved.includes(s));
      current?.stages.push("AWSPREVIOUS"); // as AWS does when AWSCURRENT moves
      const version: FakeSecretVersion = {
        versionId: randomUUID(),
        stages: [...stages],
        ...(typeof value === "string" ? { string: value } : { binary: Buffer.from(value) }),
      };
      secret.versions.push(version);
      return version;
    },
    arnOf(name: string) {
      return secrets.get(name)?.arn ?? "";
    },
    markDeleted(name: string) {
      const s = secrets.get(name);
      if (s) s.deleted = true;
    },
    restrictReaders(name: string, accessKeyIds: string[]) {
      const s = secrets.get(name);
      if (s) s.readers = accessKeyIds;
    },
  });
  return self;
}
