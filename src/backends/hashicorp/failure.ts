/**
 * Vault's error replies (`{"errors":[...]}`) turned into SigilErrors. Vault's messages can echo
 * request input, so only a status label or one of a few known fixed messages reaches the reason —
 * never the body itself. See https://developer.hashicorp.com/vault/api-docs#http-status-codes
 */
import { SigilError } from "../../errors.js";

const STATUS_LABELS: Record<number, string> = {
  400: "invalid request",
  401: "unauthorized",
  403: "permission denied",
  404: "not found",
  405: "unsupported operation",
  412: "precondition failed",
  429: "rate limited",
  473: "performance standby",
  500: "internal server error",
  502: "bad gateway",
  503: "sealed or unavailable",
};

/** Vault messages that carry no request input, with the summary we are willing to repeat. */
const KNOWN_MESSAGES: readonly [RegExp, string][] = [
  [/^permission denied$/, "permission denied"],
  [/^Vault is sealed$/, "Vault is sealed"],
  [/^invalid role or secret ID$/, "invalid role or secret ID"],
  [/^missing client token$/, "missing client token"],
  [/^invalid lease ID$/, "invalid lease ID"],
  [/^no handler for route /, "no secrets engine or auth method is mounted at that path"],
  [/^role ".*" could not be found$/, "role not found"],
  [/^error validating token/, "the login JWT was rejected"],
];

/** ERR_BACKEND_FAILED naming what failed, the HTTP status and a safe summary of why. */
export function vaultFailure(
  backend: string,
  what: string,
  status: number,
  body: Buffer,
): SigilError {
  const summary = knownMessage(body) ?? STATUS_LABELS[status] ?? "unexpected status";
  return new SigilError(
    "ERR_BACKEND_FAILED",
    `hashicorp-vault backend ${backend}: ${what} failed (HTTP ${status} ${summary})`,
  );
}

/** ERR_BACKEND_FAILED for replies that are not what the Vault API documents. */
export function vaultMalformed(backend: string, what: string): SigilError {
  return new SigilError(
    "ERR_BACKEND_FAILED",
    `hashicorp-vault backend ${backend}: ${what} returned an unexpected reply`,
  );
}

function knownMessage(body: Buffer): string | undefined {
  let errors: unknown;
  try {
    errors = (JSON.parse(body.toString("utf8")) as { errors?: unknown }).errors;
  } catch {
    return undefined;
  }
  if (!Array.isArray(errors)) return undefined;
  for (const e of errors) {
    if (typeof e !== "string") continue;
    for (const [pattern, summary] of KNOWN_MESSAGES) if (pattern.test(e)) return summary;
  }
  return undefined;
}
