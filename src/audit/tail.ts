/**
 * `audit tail` (spec §8): the last N records across files, and `--follow`, which polls for lines
 * appended after it started and moves to the next file when the writer rotates. Only complete
 * lines are shown; a fragment still being written is picked up on a later poll.
 */
import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { corrupt, unreadable } from "./audit-errors.js";
import { parseRecordLine } from "./chain.js";
import { listAuditFiles, type AuditFile } from "./files.js";
import { readLinesForward } from "./forward-lines.js";
import { lastRecordsOf } from "./last-records.js";
import type { AuditRecord } from "./record.js";

/** Options for `followAudit`. */
export interface FollowOptions {
  /** How often to look for new lines (default 250 ms). */
  pollMs?: number;
  /** Start right after this seq (e.g. the last one `readTail` returned) instead of at the end. */
  afterSeq?: number;
}

interface Cursor {
  file: AuditFile;
  offset: number;
}

/** The last `n` records of the log that `keep` accepts (default all), oldest first. */
export async function readTail(
  dir: string,
  n: number,
  keep: (r: AuditRecord) => boolean = () => true,
): Promise<AuditRecord[]> {
  try {
    // Widen the window until n records pass the filter or the whole log has been read.
    for (let want = n; ; want *= 4) {
      const all = await lastRecords(dir, want);
      const kept = all.filter(keep);
      if (kept.length >= n || all.length < want) return kept.slice(-n);
    }
  } catch (err) {
    throw unreadable(err);
  }
}

/** Calls `onRecord` for each record appended from now on, until `signal` aborts. */
export async function followAudit(
  dir: string,
  onRecord: (record: AuditRecord) => void,
  signal: AbortSignal,
  opts: FollowOptions = {},
): Promise<void> {
  try {
    await follow(dir, onRecord, signal, opts);
  } catch (err) {
    throw unreadable(err);
  }
}

async function lastRecords(dir: string, n: number): Promise<AuditRecord[]> {
  const files = await listAuditFiles(dir);
  const perFile: AuditRecord[][] = [];
  let have = 0;
  for (let i = files.length - 1; i >= 0 && have < n; i--) {
    const records = await lastRecordsOf(files[i]!.path, n - have);
    perFile.push(records);
    have += records.length;
  }
  return perFile.reverse().flat();
}

async function follow(
  dir: string,
  onRecord: (record: AuditRecord) => void,
  signal: AbortSignal,
  opts: FollowOptions = {},
): Promise<void> {
  const afterSeq = opts.afterSeq ?? -1;
  const emit = (r: AuditRecord): void => {
    if (r.seq > afterSeq) onRecord(r);
  };
  let cursor = await startCursor(dir, opts.afterSeq);
  while (!signal.aborted) {
    cursor = await pump(dir, cursor, emit);
    try {
      await sleep(opts.pollMs ?? 250, undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}

async function startCursor(dir: string, afterSeq: number | undefined): Promise<Cursor | null> {
  const files = await listAuditFiles(dir);
  if (afterSeq === undefined) {
    const last = files.at(-1);
    return last ? { file: last, offset: (await stat(last.path)).size } : null;
  }
  const from = files.filter((f) => f.firstSeq <= afterSeq + 1).at(-1) ?? files[0];
  return from ? { file: from, offset: 0 } : null;
}

/** Emits what is new in the current file; after a rotation, drains it and moves on. */
async function pump(
  dir: string,
  cursor: Cursor | null,
  emit: (r: AuditRecord) => void,
): Promise<Cursor | null> {
  const files = await listAuditFiles(dir); // listed first: a newer file means ours is final
  let current = cursor ?? (files[0] ? { file: files[0], offset: 0 } : null);
  while (current) {
    current.offset = await readNewLines(current, emit);
    const next = files.find((f) => f.firstSeq > current!.file.firstSeq);
    if (!next) return current;
    current = { file: next, offset: 0 };
  }
  return null;
}

/** Emits complete lines after `offset`; returns the new offset. */
async function readNewLines(cursor: Cursor, emit: (r: AuditRecord) => void): Promise<number> {
  let offset = cursor.offset;
  const size = (await stat(cursor.file.path)).size;
  if (size < offset) offset = size; // a failed batch was cut back off
  for await (const line of readLinesForward(cursor.file.path, offset)) {
    if (!line.complete) break;
    const record = parseRecordLine(line.text);
    if (!record) throw corrupt();
    emit(record);
    offset = line.end;
  }
  return offset;
}
