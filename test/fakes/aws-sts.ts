/**
 * A fake AWS STS speaking its wire protocol (awsQuery: form-encoded `Action=AssumeRole&
 * Version=2011-06-15…`, XML `AssumeRoleResponse`, XML `ErrorResponse` with AWS's codes and statuses),
 * verifying SigV4 with the independent verifier. Issued keys go into the shared fake account so a
 * fake upstream can verify requests signed with them.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { TestPki } from "../helpers/pki.js";
import type { AwsAccount, AwsKeys } from "./aws-account.js";
import { send, startAwsServer, type AwsFakeServer } from "./aws-server.js";
import { verifySigV4, type ReceivedRequest, type VerifyFailure } from "./sigv4-verify.js";

/** A role that may be assumed. */
export interface FakeRole {
  /** Required ExternalId, if the trust policy demands one. */
  externalId?: string;
  /** Default 3600, as IAM's default MaxSessionDuration. */
  maxSessionDurationSeconds?: number;
  /** Access key ids allowed to assume it; undefined = anyone in the account. */
  trusted?: string[];
}

export interface AssumeRoleCall {
  accessKeyId: string;
  params: Record<string, string>;
}

export interface FakeSts extends AwsFakeServer {
  readonly calls: AssumeRoleCall[];
  /** Every credential handed out, in order. */
  readonly issued: (AwsKeys & { sessionToken: string; expiration: string })[];
  addRole(arn: string, role?: FakeRole): void;
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const AUTH_ERRORS: Record<VerifyFailure, [number, string, string]> = {
  MissingAuthentication: [
    403,
    "MissingAuthenticationToken",
    "Request is missing Authentication Token",
  ],
  IncompleteSignature: [400, "IncompleteSignature", "Authorization header is incomplete."],
  UnknownAccessKey: [
    403,
    "InvalidClientTokenId",
    "The security token included in the request is invalid.",
  ],
  InvalidSecurityToken: [
    403,
    "InvalidClientTokenId",
    "The security token included in the request is invalid.",
  ],
  SignatureExpired: [403, "SignatureDoesNotMatch", "Signature expired."],
  WrongScope: [403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region."],
  ContentSha256Mismatch: [400, "XAmzContentSHA256Mismatch", "The payload hash does not match."],
  SignatureDoesNotMatch: [
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  ],
};

export async function startFakeSts(opts: {
  pki: TestPki;
  account: AwsAccount;
  region: string;
  nowMs?: () => number;
}): Promise<FakeSts> {
  const nowMs = opts.nowMs ?? Date.now;
  const roles = new Map<string, FakeRole>();
  const calls: AssumeRoleCall[] = [];
  const issued: FakeSts["issued"] = [];

  const handle = (req: ReceivedRequest, res: ServerResponse) => {
    const error = (status: number, code: string, message: string) => {
      const type = status >= 500 ? "Receiver" : "Sender";
      const xml = `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
      send(res, status, "text/xml", xml);
    };
    if (req.method !== "POST") return error(400, "InvalidAction", "use POST");
    const verified = verifySigV4(req, {
      service: "sts",
      region: opts.region,
      lookup: (id) => opts.account.lookup(id, nowMs()),
      nowMs: nowMs(),
    });
    if (!verified.ok) return error(...AUTH_ERRORS[verified.reason]);
    const params = Object.fromEntries(new URLSearchParams(req.body.toString("utf8")));
    calls.push({ accessKeyId: verified.accessKeyId, params });
    if (params["Action"] !== "AssumeRole" || params["Version"] !== "2011-06-15") {
      return error(400, "InvalidAction", `Could not find operation ${params["Action"]}`);
    }
    const arn = params["RoleArn"] ?? "";
    const session = params["RoleSessionName"] ?? "";
    const duration = Number(params["DurationSeconds"] ?? "3600");
    if (!SESSION_NAME.test(session)) {
      return error(400, "ValidationError", "1 validation error detected: roleSessionName");
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      return error(400, "ValidationError", "1 validation error detected: durationSeconds");
    }
    const role = roles.get(arn);
    const caller = opts.account.principalOf(verified.accessKeyId);
    if (
      !role ||
      (role.trusted && !role.trusted.includes(verified.accessKeyId)) ||
      (role.externalId !== undefined && params["ExternalId"] !== role.externalId)
    ) {
      return error(
        403,
        "AccessDenied",
        `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      );
    }
    if (duration > (role.maxSessionDurationSeconds ?? 3600)) {
      return error(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
    const policy = params["Policy"];
    if (policy !== undefined) {
      if (!isJsonObject(policy)) {
        return error(400, "MalformedPolicyDocument", "The policy is not in the valid JSON format.");
      }
      if (policy.length > 2048) {
        return error(400, "PackedPolicyTooLarge", "Packed policy consumes 110% of allotted space");
      }
    }
    const roleName = arn.split("/").pop();
    const assumed = `arn:aws:sts::${opts.account.accountId}:assumed-role/${roleName}/${session}`;
    const expiresAt = nowMs() + duration * 1000;
    const keys = opts.account.issueTemporary(assumed, expiresAt);
    const expiration = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z");
    issued.push({ ...keys, expiration });
    const xml = `<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:${esc(session)}</AssumedRoleId>
      <Arn>${esc(assumed)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${keys.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${esc(keys.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${esc(keys.sessionToken)}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    ${policy !== undefined ? "<PackedPolicySize>6</PackedPolicySize>" : ""}
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`;
    send(res, 200, "text/xml", xml);
  };

  const server = await startAwsServer(opts.pki, handle);
  return Object.assign(server, {
    calls,
    issued,
    addRole(arn: string, role: FakeRole = {}) {
      roles.set(arn, role);
    },
  });
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  } catch {
    return false;
  }
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
