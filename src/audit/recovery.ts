/**
 * Start-up repair of the log (spec §8 crash safety): a crash mid-write leaves a partial last line,
 * which is cut off (the writer then records that it did). The chain head is loaded from the last
 * complete line, reading only the end of the file; a head that does not check out is refused.
 */
import { open, type FileHandle } from "node:fs/promises";
import { completeEnd, readLinesBackward } from "./backward-lines.js";
import { corrupt } from "./audit-errors.js";
import { checkSealedLine } from "./chain.js";
import { listAuditFiles, type AuditFile } from "./files.js";
import { openSegment, truncateDurably, type Segment } from "./segment.js";

/** The last record of the chain. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** What `recoverAuditLog` found and did. */
export interface RecoveredLog {
  /** The newest file, open for appending; null when the log has no file yet. */
  segment: Segment | null;
  head: ChainHead | null;
  /** Set when a torn last line was cut off. */
  repaired: { file: string; truncatedBytes: number } | null;
}

/** Repairs a torn last line and loads the chain head. Throws SigilError when the log is corrupt. */
export async function recoverAuditLog(dir: string): Promise<RecoveredLog> {
  const files = await listAuditFiles(dir);
  const last = files.at(-1);
  if (!last) return { segment: null, head: null, repaired: null };
  const segment = await openSegment(last);
  try {
    let repaired: RecoveredLog["repaired"] = null;
    const end = await completeEnd(segment.fh, segment.size);
    if (end < segment.size) {
      await truncateDurably(segment, end);
      repaired = { file: last.name, truncatedBytes: segment.size - end };
      segment.size = end;
    }
    let head = await lastRecord(segment.fh, segment.size);
    if (!head) head = await headOfPrevious(files.at(-2));
    if (segment.size === 0) {
      if (last.firstSeq !== (head ? head.seq + 1 : 0)) throw corrupt();
    } else if (!head || head.seq < last.firstSeq) {
      throw corrupt();
    }
    return { segment, head, repaired };
  } catch (err) {
    await segment.fh.close();
    throw err;
  }
}

async function headOfPrevious(file: AuditFile | undefined): Promise<ChainHead | null> {
  if (!file) return null;
  const fh = await open(file.path, "r");
  try {
    const size = (await fh.stat()).size;
    if ((await completeEnd(fh, size)) !== size) throw corrupt();
    const head = await lastRecord(fh, size);
    if (!head) throw corrupt();
    return head;
  } finally {
    await fh.close();
  }
}

async function lastRecord(fh: FileHandle, end: number): Promise<ChainHead | null> {
  for await (const { text } of readLinesBackward(fh, end)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw corrupt();
    }
    if (checkSealedLine(value, text) !== null) throw corrupt();
    const { seq, hash } = value as ChainHead;
    return { seq, hash };
  }
  return null;
}
