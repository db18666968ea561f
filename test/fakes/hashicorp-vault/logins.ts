/**
 * The fake's login endpoints, `POST auth/<mount>/login`: AppRole checks role_id + secret_id; JWT
 * verifies the token's signature (RS256, ES256 or EdDSA) against the role's public key and its
 * audience; Kubernetes does the same in place of a TokenReview call. Failures use Vault's texts.
 * https://developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle
 * https://developer.hashicorp.com/vault/api-docs/auth/jwt#jwt-login
 */
import type { KeyObject } from "node:crypto";
import { jwtVerify } from "jose";
import type { TokenGrant } from "./tokens.js";

export interface AppRole {
  roleId: string;
  secretId: string;
  grant: TokenGrant;
}

export interface JwtRole {
  /** The issuer's public key (RSA, EC P-256 or Ed25519). */
  publicKey: KeyObject;
  /** Required `aud`, when set (bound_audiences). */
  audience?: string;
  /** Required `sub`, when set (bound_subject / service-account name). */
  subject?: string;
  grant: TokenGrant;
}

/** A login outcome: a grant to mint a token from, or Vault's status and errors. */
export type LoginOutcome = { grant: TokenGrant } | { status: number; errors: string[] };

export function appRoleLogin(
  roles: readonly AppRole[],
  body: Record<string, unknown>,
): LoginOutcome {
  const roleId = body["role_id"];
  const secretId = body["secret_id"];
  if (typeof roleId !== "string" || roleId === "")
    return { status: 400, errors: ["missing role_id"] };
  const role = roles.find((r) => r.roleId === roleId && r.secretId === secretId);
  return role ? { grant: role.grant } : { status: 400, errors: ["invalid role or secret ID"] };
}

const ALGORITHMS = ["RS256", "ES256", "EdDSA"];

export async function jwtLogin(
  kind: "jwt" | "kubernetes",
  roles: ReadonlyMap<string, JwtRole>,
  body: Record<string, unknown>,
): Promise<LoginOutcome> {
  const name = body["role"];
  const jwt = body["jwt"];
  if (typeof name !== "string" || name === "") {
    return { status: 400, errors: ["missing role"] };
  }
  if (typeof jwt !== "string" || jwt === "") return { status: 400, errors: ["missing jwt"] };
  const role = roles.get(name);
  if (!role) return { status: 400, errors: [`role "${name}" could not be found`] };
  try {
    await jwtVerify(jwt, role.publicKey, {
      algorithms: ALGORITHMS,
      ...(role.audience !== undefined ? { audience: role.audience } : {}),
      ...(role.subject !== undefined ? { subject: role.subject } : {}),
    });
  } catch {
    // Kubernetes auth answers a failed TokenReview with a bare 403.
    return kind === "kubernetes"
      ? { status: 403, errors: ["permission denied"] }
      : { status: 400, errors: ["error validating token: failed to verify id token signature"] };
  }
  return { grant: role.grant };
}
