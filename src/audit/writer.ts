/**
 * The one audit writer (spec §8). Appends are group-committed: whatever queues up while a batch is
 * being written goes out as the next batch, with one durable write (O_DSYNC, see segment.ts), so
 * durability costs one disk flush per batch rather than per record. seq/prev/hash are assigned when a batch is
 * sealed, so a failed batch leaves the chain head untouched (fail closed: every append in it rejects).
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { SigilError, toSigilError } from "../errors.js";
import { unavailable } from "./audit-errors.js";
import { dropUndefined, sealRecord } from "./chain.js";
import { fsyncDir } from "./files.js";
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
  fields: Record<string, unknown>;
  ts: string;
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
    let fields: Record<string, unknown>;
    let ts: string;
    try {
      fields = checkInput(input);
      ts = this.#now().toISOString();
    } catch (err) {
      return Promise.reject(toSigilError(err, "ERR_INTERNAL", "audit clock is invalid"));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ fields, ts, resolve, reject });
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
      segment = await this.#segmentWithRoom();
      segments.assertSegmentWritable(segment);
      const { accepted, records, data } = this.#seal(batch);
      batch = accepted;
      if (accepted.length === 0) return;
      attempted = true;
      const started = performance.now();
      await segments.writeDurably(segment, data);
      const ms = performance.now() - started;
      try {
        this.#onDurableWrite(ms, records.length, records);
      } catch {
        // Observation only: a durable batch must never be failed (and cut back) by an observer.
      }
      segment.size += data.length;
      const last = records[records.length - 1]!;
      this.#head = { seq: last.seq, hash: last.hash };
      this.#stats.batches++;
      this.#stats.records += records.length;
      accepted.forEach((p, i) => p.resolve(records[i]!));
    } catch {
      this.#stats.failedBatches++;
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

  /** The current file, or a new one when there is none or it is full. */
  async #segmentWithRoom(): Promise<segments.Segment> {
    const current = this.#segment;
    if (current && current.size < this.#maxFileBytes) return current;
    const next = await segments.createSegment(this.#dir, this.#head ? this.#head.seq + 1 : 0);
    this.#segment = next;
    await current?.fh.close().catch(() => {}); // its content is already durable
    return next;
  }

  /** Assigns seq/prev/hash from the current head; an input that is not plain JSON is refused alone. */
  #seal(batch: Pending[]): { accepted: Pending[]; records: AuditRecord[]; data: Buffer } {
    let seq = this.#head ? this.#head.seq + 1 : 0;
    let prev = this.#head ? this.#head.hash : ZERO_HASH;
    const accepted: Pending[] = [];
    const records: AuditRecord[] = [];
    const lines: string[] = [];
    for (const p of batch) {
      try {
        const sealed = sealRecord({ ...p.fields, v: 1, seq, ts: p.ts, prev });
        accepted.push(p);
        records.push(sealed.record);
        lines.push(sealed.line);
        seq++;
        prev = sealed.record.hash;
      } catch {
        p.reject(new SigilError("ERR_INTERNAL", "audit record is not plain JSON"));
      }
    }
    return { accepted, records, data: Buffer.from(lines.join(""), "utf8") };
  }
}

function checkInput(input: AuditInput): Record<string, unknown> {
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
  return dropUndefined(input) as Record<string, unknown>;
}

function rejectAll(batch: Pending[]): void {
  for (const p of batch) p.reject(unavailable());
}
