/**
 * Parses a route's `--secret` for Secret Manager: `<secret>[@<version>]` in the backend's project,
 * or a full `projects/<p>/secrets/<s>[/versions/<v>]` name, either with an optional `#field`.
 * Every part is checked against Google's resource-ID alphabet, so nothing can escape the URL path.
 */
import { SigilError } from "../../errors.js";

/** A resolved secret version and the optional JSON field to release. */
export interface SecretRef {
  /** `projects/<p>/secrets/<s>/versions/<v>` — safe to log (it names, never holds, the secret). */
  readonly name: string;
  readonly field?: string;
}

/** A project id (optionally `domain:`-scoped) or number. */
export const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,127}$/;
const SECRET = /^[A-Za-z0-9_-]{1,255}$/;
/** A version number or an alias (`latest` is one); aliases start with a letter. */
const VERSION = /^(?:[1-9][0-9]{0,18}|[A-Za-z][A-Za-z0-9_-]{0,62})$/;
const FULL = /^projects\/([^/]+)\/secrets\/([^/]+)(?:\/versions\/([^/]+))?$/;

export function parseSecretRef(ref: string, project: string): SecretRef {
  const hash = ref.indexOf("#");
  const path = hash === -1 ? ref : ref.slice(0, hash);
  const field = hash === -1 ? undefined : ref.slice(hash + 1);
  if (field === "") throw invalid("an empty #field");
  const full = FULL.exec(path);
  const at = path.lastIndexOf("@");
  const [p, s, v] = full
    ? [full[1]!, full[2]!, full[3] ?? "latest"]
    : at === -1
      ? [project, path, "latest"]
      : [project, path.slice(0, at), path.slice(at + 1)];
  if (path === "") throw invalid("no secret name (use <secret>[@<version>][#field])");
  if (!PROJECT_ID.test(p)) throw invalid("a malformed project");
  if (!SECRET.test(s)) throw invalid("a malformed secret id");
  if (!VERSION.test(v)) throw invalid("a malformed version");
  const name = `projects/${p}/secrets/${s}/versions/${v}`;
  return field === undefined ? { name } : { name, field };
}

function invalid(what: string): SigilError {
  return new SigilError("ERR_BACKEND_FAILED", `secret reference has ${what}`);
}
