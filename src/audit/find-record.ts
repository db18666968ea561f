/**
 * One record by its `seq`: the file whose first seq is the largest not above it, read forward
 * until the line is found. For the dashboard's read-only `/audit/<seq>` view; bounded by one file.
 */
import { parseRecordLine } from "./chain.js";
import { listAuditFiles } from "./files.js";
import { readLinesForward } from "./forward-lines.js";
import type { AuditRecord } from "./record.js";

export async function findRecordBySeq(dir: string, seq: number): Promise<AuditRecord | undefined> {
  const file = (await listAuditFiles(dir)).filter((f) => f.firstSeq <= seq).at(-1);
  if (!file) return undefined;
  for await (const line of readLinesForward(file.path)) {
    if (!line.complete) return undefined;
    const record = parseRecordLine(line.text);
    if (record?.seq === seq) return record;
    if (record && record.seq > seq) return undefined;
  }
  return undefined;
}
