/**
 * `audit verify` (spec §8): streams every line, recomputes every hash and link, and names the
 * first bad line. Truncating whole records off the end cannot be detected from the log alone;
 * compare the printed head with one recorded elsewhere for that.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { unreadable } from "./audit-errors.js";
import { checkSealedLine } from "./chain.js";
import { firstSeqOf, listAuditFiles } from "./files.js";
import { readLinesForward } from "./forward-lines.js";
import { ZERO_HASH, type AuditRecord } from "./record.js";
import type { ChainHead } from "./recovery.js";

/** The verdict: the whole chain checks out, or where it first does not. */
export type VerifyResult =
  | { ok: true; count: number; head: ChainHead | null }
  | { ok: false; file: string; line: number; seq: number | null; reason: string };

/** How far a verification has got, for a progress line on long logs. */
export interface VerifyProgress {
  records: number;
  bytes: number;
  totalBytes: number;
}

/** Called every PROGRESS_EVERY records and once at the end; it should be cheap. */
export type OnProgress = (p: VerifyProgress) => void;

const PROGRESS_EVERY = 8192;

/** Where and why the chain first broke. */
type LineFailure = Extract<VerifyResult, { ok: false }>;

/** Running state of the chain; `expectSeq` null means "take the next record's links as given". */
interface ChainState {
  count: number;
  /** Bytes of files already finished, and the total of all files to read. */
  doneBytes: number;
  totalBytes: number;
  onProgress: OnProgress | undefined;
  expectSeq: number | null;
  prev: string;
  head: ChainHead | null;
}

/** Verifies every audit file in `dir` as one chain starting at seq 0. */
export async function verifyAuditDir(dir: string, onProgress?: OnProgress): Promise<VerifyResult> {
  try {
    return await verifyDir(dir, onProgress);
  } catch (err) {
    throw unreadable(err);
  }
}

/** Verifies one file's internal links; its first record's `prev` is taken as given unless seq 0. */
export async function verifyAuditFile(
  file: string,
  onProgress?: OnProgress,
): Promise<VerifyResult> {
  try {
    const state = initialState(null, onProgress, onProgress ? (await stat(file)).size : 0);
    const bad = await verifyLines(file, firstSeqOf(basename(file)), state);
    if (bad) return bad;
    onProgress?.({ records: state.count, bytes: state.totalBytes, totalBytes: state.totalBytes });
    return { ok: true, count: state.count, head: state.head };
  } catch (err) {
    throw unreadable(err);
  }
}

function initialState(
  expectSeq: number | null,
  onProgress: OnProgress | undefined,
  totalBytes: number,
): ChainState {
  return { count: 0, expectSeq, prev: ZERO_HASH, head: null, doneBytes: 0, totalBytes, onProgress };
}

async function verifyDir(dir: string, onProgress?: OnProgress): Promise<VerifyResult> {
  const files = await listAuditFiles(dir);
  let totalBytes = 0;
  if (onProgress) for (const f of files) totalBytes += (await stat(f.path)).size;
  const state = initialState(0, onProgress, totalBytes);
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const before = state.count;
    const bad = await verifyLines(file.path, file.firstSeq, state);
    if (bad) return bad;
    if (state.count === before && i < files.length - 1) {
      return { ok: false, file: file.path, line: 1, seq: null, reason: "file is empty" };
    }
  }
  onProgress?.({ records: state.count, bytes: state.totalBytes, totalBytes: state.totalBytes });
  return { ok: true, count: state.count, head: state.head };
}

async function verifyLines(
  path: string,
  nameSeq: number | null,
  state: ChainState,
): Promise<LineFailure | null> {
  let lineNo = 0;
  let end = 0;
  const fail = (seq: number | null, reason: string): LineFailure => {
    return { ok: false, file: path, line: lineNo, seq, reason };
  };
  for await (const line of readLinesForward(path)) {
    lineNo++;
    end = line.end;
    if (!line.complete) return fail(null, "last line is incomplete (torn write)");
    if (line.text === "") return fail(null, "blank line");
    if (line.invalidUtf8) return fail(null, "line is not valid UTF-8");
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      return fail(null, "line is not valid JSON");
    }
    const seqOf = (value as { seq?: unknown } | null)?.seq;
    const claimed = Number.isSafeInteger(seqOf) ? (seqOf as number) : null;
    const sealError = checkSealedLine(value, line.text);
    if (sealError) return fail(claimed, sealError);
    const record = value as AuditRecord;
    const linkError = checkLinks(record, state, lineNo === 1 ? nameSeq : null);
    if (linkError) return fail(record.seq, linkError);
    state.count++;
    state.expectSeq = record.seq + 1;
    state.prev = record.hash;
    state.head = { seq: record.seq, hash: record.hash };
    if (state.onProgress && state.count % PROGRESS_EVERY === 0) {
      const bytes = state.doneBytes + line.end;
      state.onProgress({ records: state.count, bytes, totalBytes: state.totalBytes });
    }
  }
  state.doneBytes += end;
  return null;
}

function checkLinks(record: AuditRecord, state: ChainState, nameSeq: number | null): string | null {
  if (nameSeq !== null && record.seq !== nameSeq) {
    return `file name says the first record is seq ${nameSeq}`;
  }
  if (state.expectSeq === null) {
    return record.seq === 0 && record.prev !== ZERO_HASH
      ? "the first record (seq 0) must have prev 0…0"
      : null;
  }
  if (record.seq !== state.expectSeq) {
    return `seq ${record.seq} where ${state.expectSeq} was expected (record deleted, inserted or moved)`;
  }
  if (record.prev !== state.prev) return "prev does not match the previous record's hash";
  return null;
}
