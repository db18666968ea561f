/**
 * Warns about `aws-sigv4` routes on which the agent alone chooses the AWS operation Vault signs:
 * neither a required binding (the intent pins `X-Amz-Target` and friends) nor `--aws-operations`.
 */
import type { ConfigFile } from "../config/schema.js";
import { warn, type CheckResult } from "./check.js";

export function checkRouteScopes(file: ConfigFile): CheckResult[] {
  return file.routes
    .filter((r) => r.inject.split(":")[0] === "aws-sigv4")
    .filter((r) => r.binding !== "required" && r.aws_operations === undefined)
    .map((r) =>
      warn(
        `route ${r.id}`,
        `aws-sigv4 on ${r.host}${r.path} with binding ${r.binding} and no --aws-operations: the agent chooses which AWS operation is signed`,
        "add --aws-operations, or use --binding required (docs/security.md)",
      ),
    );
}
