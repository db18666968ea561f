/**
 * Naming of audit log files: `audit-<first seq, 12 digits>.jsonl`, so lexical order is chain order
 * and a file's name says where it must start. Other names in the directory are ignored.
 */
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";

const FILE_NAME = /^audit-(\d{12})\.jsonl$/;

/** One file of the log. */
export interface AuditFile {
  name: string;
  path: string;
  /** The seq its first record must have, from the name. */
  firstSeq: number;
}

/** File name for a file whose first record has `firstSeq`. */
export function auditFileName(firstSeq: number): string {
  return `audit-${String(firstSeq).padStart(12, "0")}.jsonl`;
}

/** The seq a file name promises, or null when the name is not an audit file name. */
export function firstSeqOf(name: string): number | null {
  const m = FILE_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** Audit files in `dir`, oldest first; an absent directory has none. */
export async function listAuditFiles(dir: string): Promise<AuditFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const files: AuditFile[] = [];
  for (const name of names) {
    const firstSeq = firstSeqOf(name);
    if (firstSeq !== null) files.push({ name, path: join(dir, name), firstSeq });
  }
  return files.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** Makes a directory entry change (create, rename) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
