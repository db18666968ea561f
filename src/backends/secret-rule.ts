/**
 * Whether a route on a backend of this kind must name a secret (`routes add --secret`): checked
 * when a route is added or changed, so a route that could never release anything is refused at
 * the CLI rather than on an agent's request.
 */
import type { BackendKind } from "./backend.js";

export type SecretRule = "required" | "forbidden" | "optional";

export function secretRule(
  kind: BackendKind,
  options: Readonly<Record<string, string>>,
): SecretRule {
  switch (kind) {
    case "env":
      return options["var"] ? "optional" : "required"; // option var is the default variable
    case "aws-sts":
      return "forbidden"; // the role is the backend's role_arn; a ref is refused at fetch
    case "hashicorp-vault":
    case "aws-secrets-manager":
    case "azure-key-vault":
    case "gcp-secret-manager":
      return "required";
  }
}
