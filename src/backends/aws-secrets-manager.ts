/** The `aws-secrets-manager` backend (spec §7). Placeholder until implemented: every fetch is refused. */
import { SigilError } from "../errors.js";
import type { Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";

export function createAwsSecretsManagerBackend(
  name: string,
  _options: Readonly<Record<string, string>>,
  _deps: BackendDeps,
): Backend {
  return {
    name,
    kind: "aws-secrets-manager",
    async fetch() {
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        "backend kind aws-secrets-manager is not implemented in this version of sigil-vault",
      );
    },
  };
}
