/**
 * Searches everything the product produced (child stdout/stderr, files under its home) for secret
 * values, allowing each secret only in the outputs that legitimately print it (e.g. `agents create`).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OutputRecord } from "../helpers/cli.js";

/** A secret to look for, and the transcript entries whose stdout may legitimately hold it. */
export interface Secret {
  readonly name: string;
  readonly value: string;
  readonly allowedIn?: readonly OutputRecord[];
}

/**
 * Searches every child's stdout/stderr and every file under `home` for each secret; returns one
 * line per hit ("canary in stderr of start"), never the secret itself.
 */
export async function findLeaks(
  outputs: readonly OutputRecord[],
  home: string,
  secrets: readonly Secret[],
): Promise<string[]> {
  const hits: string[] = [];
  for (const s of secrets) {
    if (s.value.length < 8) throw new Error(`secret ${s.name} is too short to search for`);
    for (const o of outputs) {
      if (o.stdout.includes(s.value) && !s.allowedIn?.includes(o))
        hits.push(`${s.name} in stdout of ${o.label}`);
      if (o.stderr.includes(s.value)) hits.push(`${s.name} in stderr of ${o.label}`);
    }
  }
  for (const file of await listFiles(home)) {
    const bytes = await readFile(file);
    for (const s of secrets) if (bytes.includes(s.value)) hits.push(`${s.name} in file ${file}`);
  }
  return hits;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
