/**
 * Google's view of identities for the fakes: service accounts (RSA-2048 keys generated during the
 * run, written out as the JSON key file `gcloud iam service-accounts keys create` produces) and
 * the OAuth access tokens issued to them, which Secret Manager later checks.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One access token as Google remembers it. */
export interface IssuedToken {
  readonly email: string;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number;
}

/** A service account whose key file the product reads. */
export interface ServiceAccount {
  readonly email: string;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** PKCS#8 PEM, as in the key file. */
  readonly privateKeyPem: string;
}

export interface FakeIdentity {
  readonly now: () => number;
  /** Registers a service account (a fresh RSA-2048 key) Google will accept assertions from. */
  createServiceAccount(email: string): ServiceAccount;
  account(email: string): ServiceAccount | undefined;
  /** Issues an opaque `ya29.` token; `expires_in` in seconds. */
  issue(email: string, scopes: readonly string[]): { access_token: string; expires_in: number };
  /** The live (unexpired) token, if any. */
  lookup(token: string): IssuedToken | undefined;
  /** Every token issued so far, in order. */
  readonly issued: string[];
}

export const TOKEN_LIFETIME_S = 3599;

export function createFakeIdentity(now: () => number = Date.now): FakeIdentity {
  const accounts = new Map<string, ServiceAccount>();
  const tokens = new Map<string, IssuedToken>();
  const issued: string[] = [];
  return {
    now,
    issued,
    createServiceAccount(email) {
      const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const sa = { email, keyId: randomBytes(20).toString("hex"), publicKey, privateKeyPem };
      accounts.set(email, sa);
      return sa;
    },
    account: (email) => accounts.get(email),
    issue(email, scopes) {
      const token = `ya29.fake-${randomBytes(24).toString("base64url")}`;
      tokens.set(token, { email, scopes, expiresAtMs: now() + TOKEN_LIFETIME_S * 1000 });
      issued.push(token);
      return { access_token: token, expires_in: TOKEN_LIFETIME_S };
    },
    lookup(token) {
      const t = tokens.get(token);
      return t && t.expiresAtMs > now() ? t : undefined;
    },
  };
}

/** Writes a new key file (mode 0600) for the account and returns its path. */
export async function writeKeyFile(
  dir: string,
  sa: ServiceAccount,
  extra: { projectId?: string; tokenUri?: string } = {},
): Promise<string> {
  const path = join(dir, `${sa.email.split("@")[0]}-${randomBytes(6).toString("hex")}.json`);
  const file = {
    type: "service_account",
    project_id: extra.projectId ?? "sigil-test",
    private_key_id: sa.keyId,
    private_key: sa.privateKeyPem,
    client_email: sa.email,
    client_id: "100000000000000000001",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: extra.tokenUri ?? "https://oauth2.googleapis.com/token",
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    universe_domain: "googleapis.com",
  };
  await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600 });
  return path;
}
