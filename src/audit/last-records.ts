/**
 * The newest records of one file, read from its end. A fragment after the last "\n" is a write
 * in progress or a torn line and is not a record yet, so it is skipped.
 */
import { open } from "node:fs/promises";
import { completeEnd, readLinesBackward } from "./backward-lines.js";
import { corrupt } from "./audit-errors.js";
import { parseRecordLine } from "./chain.js";
import type { AuditRecord } from "./record.js";

/** Up to `n` of the last complete records of `path`, oldest first. */
export async function lastRecordsOf(path: string, n: number): Promise<AuditRecord[]> {
  const found: AuditRecord[] = [];
  if (n <= 0) return found;
  const fh = await open(path, "r");
  try {
    const end = await completeEnd(fh, (await fh.stat()).size);
    for await (const { text } of readLinesBackward(fh, end)) {
      const record = parseRecordLine(text);
      if (!record) throw corrupt();
      found.push(record);
      if (found.length >= n) break;
    }
  } finally {
    await fh.close();
  }
  return found.reverse();
}
