/**
 * The one audit writer (spec §8). Appends are group-committed: whatever queues up while a batch is
 * being written goes out as the next batch, with one durable write (O_DSYNC, see segment.ts), so
 * durability costs one disk flush per batch rather than per record. A record is snapshotted and
 * serialized when it is appended; seq/prev/hash are assigned when its batch is sealed, so a failed
 * batch leaves the chain head untouched (fail closed: every append in it rejects). A small batch
 * on an idle writer and a fast disk is written on the event loop instead of the thread pool
 * (inline-writes.ts); either way it fails, and is cut back, the same.
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { SigilError, toSigilError } from "../errors.js";
import { unavailable } from "./audit-errors.js";
import { prepareRecord, sealRecord, type UnsealedRecord } from "./chain.js";
import { fsyncDir } from "./files.js";
import { adaptiveInlineWrites, type InlineWritePolicy } from "./inline-writes.js";
import { CHAIN_KEYS, ZERO_HASH, type AuditInput, type AuditRecord } from "./record.js";
import { recoverAuditLog, type ChainHead } from "./recovery.js";
import * as segments from "./segment.js";

const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_BATCH_RECORDS = 4096;

/** Options for `openAuditWriter`. */
export interface AuditWriterOptions {
  /** The audit directory (`<home>/audit`); created 0700 if absent. */
  dir: string;
  /** Clock for `ts` (injected in tests). */
  now?: () => Date;
  /** Start a new file, between batches, once the current one is at least this big (64 MiB). */
  maxFileBytes?: number;
  /** Told how long each batch took to make durable (the synchronous write, ms), its size and records. */
  onDurableWrite?: (ms: number, count: number, records: readonly AuditRecord[]) => void;
  /** When a batch is written on the event loop (default: adaptiveInlineWrites(); injected in tests). */
  inlineWrites?: InlineWritePolicy;
}

/** Counters for tests and metrics. */
export interface AuditWriterStats {
  /** Batches made durable (one durable write each). */
  batches: number;
  records: number;
  failedBatches: number;
}

export interface AppendOptions {
  /**
   * A lazy record (an `outcome`, a `deny`) does not start a batch of its own: it rides with the
   * next batch, or is flushed after at most LAZY_FLUSH_MS. Its promise still resolves only once it
   * is durable. Records that gate a credential (`release`) are never lazy.
   */
  lazy?: boolean;
}

/** Longest a lazy record waits for company before it is flushed on its own. */
export const LAZY_FLUSH_MS = 5;

/** The single writer of an audit directory. */
export interface AuditWriter {
  /**
   * Appends a record and resolves with it once it is durable on disk. Rejects with SigilError
   * `ERR_AUDIT_UNAVAILABLE` when it could not be made durable (the caller must then refuse).
   */
  append(input: AuditInput, opts?: AppendOptions): Promise<AuditRecord>;
  /** The last durable record, or null for an empty log. */
  readonly head: ChainHead | null;
  stats(): AuditWriterStats;
  /** Waits for queued appends, then closes the file; later appends reject. */
  close(): Promise<void>;
}

interface Pending {
  unsealed: UnsealedRecord;
  resolve: (record: AuditRecord) => void;
  reject: (err: SigilError) => void;
}

/** Opens (repairing a torn last line) the log in `opts.dir`. Throws SigilError when it cannot. */
export async function openAuditWriter(opts: AuditWriterOptions): Promise<AuditWriter> {
  let recovered;
  try {
    const created = await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    if (created) await fsyncDir(dirname(created));
    recovered = await recoverAuditLog(opts.dir);
  } catch (err) {
    throw toSigilError(err, "ERR_AUDIT_UNAVAILABLE", "audit log could not be opened");
  }
  const writer = new GroupCommitWriter(opts, recovered.segment, recovered.head);
  if (recovered.repaired) {
    try {
      await writer.append({ type: "recovery", ...recovered.repaired });
    } catch (err) {
      await writer.close();
      throw err;
    }
  }
  return writer;
}

class GroupCommitWriter implements AuditWriter {
  readonly #dir: string;
  readonly #now: () => Date;
  readonly #maxFileBytes: number;
  readonly #onDurableWrite: NonNullable<AuditWriterOptions["onDurableWrite"]>;
  readonly #inline: InlineWritePolicy;
  #segment: segments.Segment | null;
  #head: ChainHead | null;
  #queue: Pending[] = [];
  #draining: Promise<void> | null = null;
  #lazyTimer: NodeJS.Timeout | null = null;
  #broken = false;
  #closed = false;
  #stats: AuditWriterStats = { batches: 0, records: 0, failedBatches: 0 };

  constructor(opts: AuditWriterOptions, segment: segments.Segment | null, head: ChainHead | null) {
    this.#dir = opts.dir;
    this.#now = opts.now ?? (() => new Date());
    this.#maxFileBytes = Math.max(1, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    this.#onDurableWrite = opts.onDurableWrite ?? (() => {});
    this.#inline = opts.inlineWrites ?? adaptiveInlineWrites();
    this.#segment = segment;
    this.#head = head;
  }

  get head(): ChainHead | null {
    return this.#head;
  }

  stats(): AuditWriterStats {
    return { ...this.#stats };
  }

  append(input: AuditInput, opts: AppendOptions = {}): Promise<AuditRecord> {
    if (this.#closed) return Promise.reject(unavailable("audit writer is closed"));
    if (this.#broken) return Promise.reject(unavailable());
    let unsealed: UnsealedRecord;
    try {
      checkInput(input);
      unsealed = snapshotInput(input, this.#now().toISOString());
    } catch (err) {
      return Promise.reject(toSigilError(err, "ERR_INTERNAL", "audit clock is invalid"));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ unsealed, resolve, reject });
      if (!opts.lazy) this.#draining ??= this.#drain();
      else if (!this.#draining && !this.#lazyTimer) {
        this.#lazyTimer = setTimeout(() => {
          this.#lazyTimer = null;
          this.#draining ??= this.#drain();
        }, LAZY_FLUSH_MS);
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#lazyTimer) clearTimeout(this.#lazyTimer);
    this.#lazyTimer = null;
    if (this.#queue.length > 0) this.#draining ??= this.#drain();
    await this.#draining;
    const segment = this.#segment;
    this.#segment = null;
    await segment?.fh.close();
  }

  async #drain(): Promise<void> {
    await null; // let appends made in the same tick join the first batch
    while (this.#queue.length > 0) {
      await this.#writeBatch(this.#queue.splice(0, MAX_BATCH_RECORDS));
    }
    this.#draining = null; // same tick as the empty-queue check: no append can be stranded
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    if (this.#broken) return rejectAll(batch);
    let segment: segments.Segment | null = null;
    let attempted = false;
    try {
      segments.assertDirWritable(this.#dir);
      segment = this.#segmentWithRoom() ?? (await this.#rotate());
      segments.assertSegmentWritable(segment);
      const { records, data } = this.#seal(batch);
      attempted = true;
      const started = performance.now();
      if (this.#inline.shouldInline(records.length, started)) {
        segments.writeDurablySync(segment, data);
      } else await segments.writeDurably(segment, data);
      const ended = performance.now();
      try {
        this.#inline.observe(ended - started, ended);
        this.#onDurableWrite(ended - started, records.length, records);
      } catch {
        // Observation only: a durable batch must never be failed (and cut back) by an observer.
      }
      segment.size += data.length;
      const last = records[records.length - 1]!;
      this.#head = { seq: last.seq, hash: last.hash };
      this.#stats.batches++;
      this.#stats.records += records.length;
      batch.forEach((p, i) => p.resolve(records[i]!));
    } catch {
      this.#stats.failedBatches++;
      this.#inline.reset();
      // Cut the partial write back before anyone hears of the failure, so a rejected append
      // never leaves its bytes behind for a reader (or the next batch) to see.
      if (attempted && segment) {
        await segments.truncateDurably(segment, segment.size).catch(() => {
          this.#broken = true; // bytes of unknown durability may remain: stop until reopened
        });
      }
      rejectAll(batch);
    }
  }

  /** The current file, or null when there is none or it is full. */
  #segmentWithRoom(): segments.Segment | null {
    const current = this.#segment;
    return current && current.size < this.#maxFileBytes ? current : null;
  }

  /** Closes the full file (if any) and starts the next. */
  async #rotate(): Promise<segments.Segment> {
    const current = this.#segment;
    const next = await segments.createSegment(this.#dir, this.#head ? this.#head.seq + 1 : 0);
    this.#segment = next;
    await current?.fh.close().catch(() => {}); // its content is already durable
    return next;
  }

  /** Assigns seq/prev/hash from the current head; returns the records and the batch's bytes. */
  #seal(batch: Pending[]): { records: AuditRecord[]; data: Buffer } {
    let seq = this.#head ? this.#head.seq + 1 : 0;
    let prev = this.#head ? this.#head.hash : ZERO_HASH;
    const records: AuditRecord[] = [];
    let text = "";
    for (const p of batch) {
      text += sealRecord(p.unsealed, seq++, prev) + "\n";
      records.push(p.unsealed.record);
      prev = p.unsealed.record.hash;
    }
    return { records, data: Buffer.from(text, "utf8") };
  }
}

function checkInput(input: AuditInput): void {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new SigilError("ERR_INTERNAL", "audit record must be an object");
  }
  if (typeof input.type !== "string" || input.type === "") {
    throw new SigilError("ERR_INTERNAL", "audit record needs a type");
  }
  for (const key of CHAIN_KEYS) {
    if (Object.prototype.hasOwnProperty.call(input, key)) {
      throw new SigilError("ERR_INTERNAL", `audit record may not set "${key}"`);
    }
  }
}

/** The input as it is now, serialized; one that is not plain JSON is refused alone. */
function snapshotInput(input: AuditInput, ts: string): UnsealedRecord {
  try {
    return prepareRecord(input as Record<string, unknown>, ts);
  } catch {
    throw new SigilError("ERR_INTERNAL", "audit record is not plain JSON");
  }
}

function rejectAll(batch: Pending[]): void {
  for (const p of batch) p.reject(unavailable());
}
