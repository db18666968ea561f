/**
 * Shared setup for the hashicorp-vault backend tests: a fake Vault on 127.0.0.1:0 and backends
 * pointed at it through the real client path, trusting the fake's TLS CA via BackendDeps.extraCa.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, Credential } from "../../src/backends/backend.js";
import { createHashicorpVaultBackend } from "../../src/backends/hashicorp-vault.js";
import { SigilError } from "../../src/errors.js";
import { startFakeVault, type FakeVault } from "../fakes/hashicorp-vault.js";

export interface VaultFixture {
  fake: FakeVault;
  /** A backend named "hv" with `vault_addr` set; `env` is what its `*_env` options read. */
  backend(options?: Record<string, string>, env?: NodeJS.ProcessEnv, nowMs?: () => number): Backend;
  /** Writes a file in a private temp dir and returns its path. */
  file(name: string, content: string): Promise<string>;
  close(): Promise<void>;
}

export async function startVaultFixture(nowMs?: () => number): Promise<VaultFixture> {
  const fake = await startFakeVault(nowMs ? { nowMs } : {});
  const dir = await mkdtemp(join(tmpdir(), "sigil-hv-"));
  const backends: Backend[] = [];
  return {
    fake,
    backend(options = {}, env = {}, clock = nowMs) {
      const b = createHashicorpVaultBackend(
        "hv",
        { vault_addr: fake.url, ...options },
        { env, extraCa: [fake.caPem] },
        clock ? { nowMs: clock } : {},
      );
      backends.push(b);
      return b;
    },
    async file(name, content) {
      const path = join(dir, name);
      await writeFile(path, content, { mode: 0o600 });
      return path;
    },
    async close() {
      await Promise.all(backends.map((b) => b.close()));
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh 5 s signal: generous, but a hung test still ends. */
export const ctx = () => ({ signal: AbortSignal.timeout(5000) });

/** A field's text, for assertions. */
export function text(cred: Credential, field: string): string | undefined {
  return cred.fields.get(field)?.toString("utf8");
}

/** An assert.rejects predicate: a SigilError with `code` whose message matches and leaks nothing. */
export function sigilError(code: string, message?: RegExp, mustNotContain: string[] = []) {
  return (e: unknown) => {
    if (!(e instanceof SigilError) || e.code !== code) return false;
    if (message && !message.test(e.message)) return false;
    return mustNotContain.every((s) => !e.message.includes(s));
  };
}

/** A token grant for everything the tests read, lease revocation included. */
export const ALL_PATHS = [
  "secret/*",
  "kv/*",
  "database/creds/*",
  "pki/issue/*",
  "sys/leases/revoke",
];
