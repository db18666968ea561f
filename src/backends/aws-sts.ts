/** The `aws-sts` backend (spec §7). Placeholder until implemented: every fetch is refused. */
import { SigilError } from "../errors.js";
import type { Backend } from "./backend.js";
import type { BackendDeps } from "./deps.js";

export function createAwsStsBackend(
  name: string,
  _options: Readonly<Record<string, string>>,
  _deps: BackendDeps,
): Backend {
  return {
    name,
    kind: "aws-sts",
    async fetch() {
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        "backend kind aws-sts is not implemented in this version of sigil-vault",
      );
    },
  };
}
