/**
 * The backend options that name a file holding login material, and the warnings for those files
 * that group or others can read (see config/file-mode.ts). Checked by `start`, `doctor` and
 * `backends test`, where those files are about to be used.
 */
import { looseFileWarning } from "../config/file-mode.js";

/** Options whose value is a path to a secret (HashiCorp Vault login material, a GCP key). */
export const SECRET_FILE_OPTIONS = ["token_file", "secret_id_file", "jwt_file", "credentials_file"];

export function looseBackendFiles(backend: {
  name: string;
  options: Readonly<Record<string, string>>;
}): string[] {
  const out: string[] = [];
  for (const option of SECRET_FILE_OPTIONS) {
    const path = backend.options[option];
    if (path === undefined) continue;
    const w = looseFileWarning(path, `backend ${backend.name}: ${option}`);
    if (w) out.push(w);
  }
  return out;
}
