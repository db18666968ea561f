/**
 * What backends receive from the process instead of reaching for globals: the environment they
 * may read (for `*_env` options and the cloud SDKs' standard chains), and extra trust roots for
 * backend endpoints (tests inject their fake services' CA here; production uses `ca_cert` options
 * and the system roots).
 */
import type { ResolveTarget } from "../config/resolve.js";
import type { Logger } from "../log.js";
import type { ImportModule } from "../optional-packages.js";

export interface BackendDeps {
  env: NodeJS.ProcessEnv;
  /** Extra CA certificates (PEM) trusted for backend endpoints, on top of the system roots. */
  extraCa?: readonly string[];
  /**
   * Address overrides, "host:port" → where to connect, with TLS still verifying the name: the
   * proxy's own `--resolve` / `proxy.resolve` map, which applies to backend endpoints too.
   */
  resolve?: ReadonlyMap<string, ResolveTarget>;
  /** Loads the optional cloud SDKs (default `import()`); tests inject one that reports a package missing. */
  importModule?: ImportModule;
  /** Where a backend reports failures it recovers from (see log-failure.ts); none in the CLI. */
  logger?: Logger;
}
