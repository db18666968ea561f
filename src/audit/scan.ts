/**
 * Start-up scan of recent records, used to rebuild the replay store from `release`/`deny` records
 * (spec §5.3: a replay id survives a restart). Files are visited newest first, and the scan stops
 * at the first file whose last record is older than the window.
 */
import { corrupt, unreadable } from "./audit-errors.js";
import { parseRecordLine } from "./chain.js";
import { listAuditFiles } from "./files.js";
import { readLinesForward } from "./forward-lines.js";
import { lastRecordsOf } from "./last-records.js";
import type { AuditRecord } from "./record.js";

/**
 * Records with `ts >= sinceMs` (epoch ms), oldest first. A torn last line is ignored; any other
 * unreadable line rejects with `ERR_AUDIT_UNAVAILABLE` (a replay rebuild must not skip records).
 */
export async function readRecordsSince(dir: string, sinceMs: number): Promise<AuditRecord[]> {
  try {
    return await scan(dir, sinceMs);
  } catch (err) {
    throw unreadable(err);
  }
}

async function scan(dir: string, sinceMs: number): Promise<AuditRecord[]> {
  const files = await listAuditFiles(dir);
  const perFile: AuditRecord[][] = [];
  for (let i = files.length - 1; i >= 0; i--) {
    const path = files[i]!.path;
    const [last] = await lastRecordsOf(path, 1);
    if (last && Date.parse(last.ts) < sinceMs) break;
    const records: AuditRecord[] = [];
    for await (const line of readLinesForward(path)) {
      if (!line.complete) break;
      const record = parseRecordLine(line.text);
      if (!record) throw corrupt();
      if (Date.parse(record.ts) >= sinceMs) records.push(record);
    }
    perFile.push(records);
  }
  return perFile.reverse().flat();
}
