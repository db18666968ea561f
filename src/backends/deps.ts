/**
 * What backends receive from the process instead of reaching for globals: the environment they
 * may read (for `*_env` options and the cloud SDKs' standard chains), and extra trust roots for
 * backend endpoints (tests inject their fake services' CA here; production uses `ca_cert` options
 * and the system roots).
 */
export interface BackendDeps {
  env: NodeJS.ProcessEnv;
  /** Extra CA certificates (PEM) trusted for backend endpoints, on top of the system roots. */
  extraCa?: readonly string[];
}
