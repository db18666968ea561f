/**
 * Secret files (an agent token, a Vault token or AppRole secret id, a service-account key) should
 * be readable by their owner only. A file with group or other bits still works — refusing it would
 * break a running set-up on a chmod — but every place that reads one says so.
 */
import { statSync } from "node:fs";

/** A warning when `path` is readable or writable by group or others; undefined when it is not (or is unreadable). */
export function looseFileWarning(path: string, what: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode; // follows symlinks: what matters is the file read
  } catch {
    return undefined; // the reader reports a missing file itself
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  return `${what} ${path} is accessible by group or others (mode ${octal}); run chmod 600 ${path}`;
}
