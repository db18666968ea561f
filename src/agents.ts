/**
 * Agent identity from `Proxy-Authorization` (spec §3). Tokens are 256-bit random strings with the
 * `svt_` prefix; only their SHA-256 is stored. Lookup is by digest, so timing can at most reveal
 * bits of a hash of the presented token, never of a stored token; the final compare is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AgentEntry } from "./config/schema.js";

export interface Agent {
  id: string;
  name: string;
  /** SHA-256 hex of the token; identifies which token opened a tunnel (rotation kills it). */
  tokenSha256: string;
}

export interface AgentDirectory {
  /** Resolves a Proxy-Authorization header to an active agent, or undefined. */
  authenticate(header: string | undefined): Agent | undefined;
  /** True while the agent still exists, is not revoked and still has this token. */
  isCurrent(agent: Agent): boolean;
}

const TOKEN_SHAPE = /^svt_[A-Za-z0-9_-]{43}$/;

export function generateAgentToken(): string {
  return `svt_${randomBytes(32).toString("base64url")}`;
}

export function generateId(prefix: "agt" | "rt"): string {
  return `${prefix}_${randomBytes(9).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function createAgentDirectory(entries: readonly AgentEntry[]): AgentDirectory {
  const byHash = new Map<string, Agent>();
  for (const e of entries) {
    if (e.revoked_at !== undefined) continue;
    byHash.set(e.token_sha256, { id: e.id, name: e.name, tokenSha256: e.token_sha256 });
  }
  return {
    authenticate(header) {
      const token = tokenFromProxyAuthorization(header);
      if (token === undefined || !TOKEN_SHAPE.test(token)) return undefined;
      const digest = hashToken(token);
      const agent = byHash.get(digest);
      if (!agent) return undefined;
      const ok = timingSafeEqual(Buffer.from(agent.tokenSha256, "hex"), Buffer.from(digest, "hex"));
      return ok ? agent : undefined;
    },
    isCurrent(agent) {
      return byHash.get(agent.tokenSha256)?.id === agent.id;
    },
  };
}

/**
 * Accepts `Basic base64(user:token)`, `Basic base64(token:)` and `Bearer token`. Anything else,
 * including a token in the username *and* a password, yields the password (what curl's
 * `-x http://x:TOKEN@host` sends).
 */
export function tokenFromProxyAuthorization(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 1024) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return value;
  if (scheme !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const pass = decoded.slice(colon + 1);
  return pass === "" ? user : pass;
}
