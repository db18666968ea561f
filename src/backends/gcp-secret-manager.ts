/** The `gcp-secret-manager` backend (spec §7). Placeholder until implemented: every fetch is refused. */
import { SigilError } from "../errors.js";
import type { Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";

export function createGcpSecretManagerBackend(
  name: string,
  _options: Readonly<Record<string, string>>,
  _deps: BackendDeps,
): Backend {
  return {
    name,
    kind: "gcp-secret-manager",
    async fetch() {
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        "backend kind gcp-secret-manager is not implemented in this version of sigil-vault",
      );
    },
  };
}
