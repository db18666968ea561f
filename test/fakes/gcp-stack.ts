/**
 * The fake Google services wired together for tests and the bench: one identity, a token endpoint
 * and Secret Manager on HTTPS with one test CA, a service account granted on the project, and its
 * key file in a temporary directory (the key's `token_uri` is left as Google's).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestPki, type TestPki } from "../helpers/pki.js";
import { createFakeIdentity, writeKeyFile, type FakeIdentity } from "./gcp-identity.js";
import type { ServiceAccount } from "./gcp-identity.js";
import { startFakeOAuth, type FakeOAuth } from "./gcp-oauth.js";
import { startFakeSecretManager, type FakeSecretManager } from "./gcp-secret-manager.js";

export interface FakeGcp {
  readonly pki: TestPki;
  readonly identity: FakeIdentity;
  readonly oauth: FakeOAuth;
  readonly secretManager: FakeSecretManager;
  /** Granted roles/secretmanager.secretAccessor on the project. */
  readonly account: ServiceAccount;
  readonly keyFile: string;
  /** A directory for more key files; removed by close(). */
  readonly dir: string;
  /** The backend options that point at the fakes (the key file's token_uri stays Google's). */
  readonly options: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeGcp(now: () => number = Date.now): Promise<FakeGcp> {
  const pki = createTestPki("Sigil Test Google CA");
  const identity = createFakeIdentity(now);
  const dir = await mkdtemp(join(tmpdir(), "sigil-gcp-"));
  const oauth = await startFakeOAuth(identity, pki);
  const secretManager = await startFakeSecretManager(identity, pki);
  const account = identity.createServiceAccount("sigil-vault@sigil-test.iam.gserviceaccount.com");
  secretManager.grantProject(account.email);
  const keyFile = await writeKeyFile(dir, account);
  return {
    pki,
    identity,
    oauth,
    secretManager,
    account,
    keyFile,
    dir,
    options: {
      project: secretManager.projectId,
      credentials_file: keyFile,
      endpoint: secretManager.origin,
      token_uri: oauth.tokenUri,
    },
    async close() {
      await Promise.all([oauth.close(), secretManager.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
