/**
 * The fake's database secrets engine: `GET <mount>/creds/<role>` mints a username/password under a
 * fresh lease; `PUT sys/leases/revoke {lease_id}` ends it. Every revocation is recorded, in order,
 * for tests to assert on.
 * https://developer.hashicorp.com/vault/api-docs/secret/databases#generate-credentials
 * https://developer.hashicorp.com/vault/api-docs/system/leases#revoke-lease
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { badRequest, noContent, sendOk } from "./reply.js";

export interface Lease {
  readonly id: string;
  readonly namespace: string;
  readonly username: string;
  revoked: boolean;
}

export class DatabaseEngine {
  readonly #roles = new Set<string>();

  constructor(
    private readonly mount: string,
    private readonly namespace: string,
    private readonly leases: Map<string, Lease>,
  ) {}

  addRole(role: string): void {
    this.#roles.add(role);
  }

  creds(res: ServerResponse, rest: string[]): void {
    const role = rest[1];
    if (rest[0] !== "creds" || rest.length !== 2 || role === undefined) {
      return badRequest(res, "unsupported path");
    }
    if (!this.#roles.has(role)) return badRequest(res, `unknown role: ${role}`);
    const lease: Lease = {
      id: `${this.mount}/creds/${role}/${randomUUID()}`,
      namespace: this.namespace,
      username: `v-token-${role}-${randomBytes(6).toString("hex")}`,
      revoked: false,
    };
    this.leases.set(lease.id, lease);
    const password = `A1a-${randomBytes(15).toString("base64url")}`;
    sendOk(res, {
      lease_id: lease.id,
      lease_duration: 3600,
      renewable: true,
      data: { username: lease.username, password },
    });
  }
}

/** `sys/leases/revoke`: 204 for a live lease in this namespace, else Vault's 400. */
export function revokeLease(
  res: ServerResponse,
  leases: Map<string, Lease>,
  revocations: string[],
  namespace: string,
  body: Record<string, unknown>,
): void {
  const id = body["lease_id"];
  const lease = typeof id === "string" ? leases.get(id) : undefined;
  if (!lease || lease.revoked || lease.namespace !== namespace) {
    return badRequest(res, "invalid lease ID");
  }
  lease.revoked = true;
  revocations.push(lease.id);
  noContent(res);
}
