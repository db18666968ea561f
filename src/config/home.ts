/**
 * Where Sigil Vault keeps its state (spec §1): `--home`, else `$SIGIL_VAULT_HOME`, else
 * `~/.sigil-vault`. The directory is 0700; secret files inside are 0600.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface HomePaths {
  root: string;
  config: string;
  caDir: string;
  caCert: string;
  auditDir: string;
  /** Held by the running proxy: one `start` per home. */
  proxyLock: string;
  /** The running proxy's control socket and its bearer token (both 0600; docs/doctor.md). */
  controlSocket: string;
  controlToken: string;
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv): HomePaths {
  const root = resolve(flag ?? env["SIGIL_VAULT_HOME"] ?? join(homedir(), ".sigil-vault"));
  return {
    root,
    config: join(root, "config.json"),
    caDir: join(root, "ca"),
    caCert: join(root, "ca", "ca.crt"),
    auditDir: join(root, "audit"),
    proxyLock: join(root, "proxy.lock"),
    controlSocket: join(root, "control.sock"),
    controlToken: join(root, "control.token"),
  };
}
