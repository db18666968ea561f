/**
 * A route's `--secret` for this backend: the Vault API path after `/v1/`, an optional `?query`
 * and an optional `#field` — `secret/data/openai#api_key`, `database/creds/readonly`,
 * `pki/issue/agent?common_name=agent.internal&ttl=5m`. `issue/<role>` endpoints are writes (POST
 * with the query as the JSON body); everything else is a read (GET, query passed through).
 */
import { SigilError } from "../../errors.js";

export interface VaultSecretRef {
  readonly method: "GET" | "POST";
  /** Percent-encoded path after `/v1/`, plus `?query` for reads. */
  readonly path: string;
  /** The JSON body for writes. */
  readonly body?: Record<string, string>;
  /** Path segments, decoded (used to recognise KV v2's `/data/`). */
  readonly segments: readonly string[];
  readonly field?: string;
}

/**
 * Mounts whose replies carry Vault tokens or control Vault itself: refused so the backend's own
 * login token can never become an injected credential. Refused at any depth: Vault reads a path's
 * leading segments as namespaces (`ns1/team/sys/…` is the `sys` mount of namespace ns1/team), and
 * from the ref alone a namespace cannot be told from a mount, so a KV key named `sys` or `auth`
 * cannot be referenced either.
 */
const REFUSED_MOUNTS = new Set(["auth", "sys"]);

export function parseVaultSecretRef(backend: string, ref: string): VaultSecretRef {
  const hash = ref.indexOf("#");
  const field = hash < 0 ? undefined : ref.slice(hash + 1);
  const pathQuery = hash < 0 ? ref : ref.slice(0, hash);
  const q = pathQuery.indexOf("?");
  const path = q < 0 ? pathQuery : pathQuery.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : pathQuery.slice(q + 1));
  const segments = path.split("/");
  const bad = (why: string) =>
    new SigilError("ERR_BACKEND_FAILED", `hashicorp-vault backend ${backend}: secret ref ${why}`);
  if (path === "") throw bad("must name a Vault API path, e.g. secret/data/NAME#field");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    throw bad("must be a relative path without empty, . or .. segments");
  }
  const refused = segments.find((s) => REFUSED_MOUNTS.has(s));
  if (refused !== undefined) {
    throw bad(`may not read under ${refused}/, after a namespace prefix either`);
  }
  if (field === "") throw bad("has an empty #field");
  const encoded = segments.map(encodeURIComponent).join("/");
  const isIssue = segments.length >= 3 && segments[segments.length - 2] === "issue";
  const common = { segments, ...(field !== undefined ? { field } : {}) };
  if (isIssue) {
    return { method: "POST", path: encoded, body: Object.fromEntries(query), ...common };
  }
  const qs = query.toString();
  return { method: "GET", path: qs ? `${encoded}?${qs}` : encoded, ...common };
}
