/** The `azure-key-vault` backend (spec §7). Placeholder until implemented: every fetch is refused. */
import { SigilError } from "../errors.js";
import type { Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";

export function createAzureKeyVaultBackend(
  name: string,
  _options: Readonly<Record<string, string>>,
  _deps: BackendDeps,
): Backend {
  return {
    name,
    kind: "azure-key-vault",
    async fetch() {
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        "backend kind azure-key-vault is not implemented in this version of sigil-vault",
      );
    },
  };
}
