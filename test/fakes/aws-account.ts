/**
 * The fake AWS account the fake services share: long-term IAM user keys and the temporary keys
 * STS issues, so a request re-signed with STS-issued credentials verifies at a fake upstream.
 */
import { randomBytes } from "node:crypto";
import type { KnownKey } from "./sigv4-verify.js";

/** A key pair as AWS hands it out. */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsAccount {
  readonly accountId: string;
  /** A new long-term key for an IAM user (AKIA…). */
  addUser(name: string): AwsKeys;
  /** A new temporary key (ASIA…) with a session token, valid until `expiresAtMs`. */
  issueTemporary(principal: string, expiresAtMs: number): AwsKeys & { sessionToken: string };
  /** The key, if known and (for temporary keys) not expired at `nowMs`. */
  lookup(accessKeyId: string, nowMs: number): KnownKey | undefined;
  /** The ARN of whoever owns the key (for AccessDenied messages). */
  principalOf(accessKeyId: string): string | undefined;
}

interface Entry extends KnownKey {
  principal: string;
  expiresAtMs?: number;
}

export function createAwsAccount(accountId = "123456789012"): AwsAccount {
  const keys = new Map<string, Entry>();
  const keyId = (prefix: string) => prefix + randomBytes(8).toString("hex").toUpperCase();
  const secret = () => randomBytes(30).toString("base64");
  return {
    accountId,
    addUser(name) {
      const accessKeyId = keyId("AKIA");
      const secretAccessKey = secret();
      keys.set(accessKeyId, {
        secretAccessKey,
        principal: `arn:aws:iam::${accountId}:user/${name}`,
      });
      return { accessKeyId, secretAccessKey };
    },
    issueTemporary(principal, expiresAtMs) {
      const accessKeyId = keyId("ASIA");
      const secretAccessKey = secret();
      const sessionToken = "IQoJb3JpZ2luX2Vj" + randomBytes(96).toString("base64");
      keys.set(accessKeyId, { secretAccessKey, sessionToken, principal, expiresAtMs });
      return { accessKeyId, secretAccessKey, sessionToken };
    },
    lookup(accessKeyId, nowMs) {
      const entry = keys.get(accessKeyId);
      if (!entry || (entry.expiresAtMs !== undefined && entry.expiresAtMs <= nowMs))
        return undefined;
      return entry.sessionToken === undefined
        ? { secretAccessKey: entry.secretAccessKey }
        : { secretAccessKey: entry.secretAccessKey, sessionToken: entry.sessionToken };
    },
    principalOf(accessKeyId) {
      return keys.get(accessKeyId)?.principal;
    },
  };
}
