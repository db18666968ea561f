/**
 * The file the writer appends to, and the checks made before every batch. The proxy runs as root,
 * where permission bits do not stop writes; operators make the audit directory or file read-only
 * on purpose to halt credential releases, so a file or directory with no write bit at all is
 * honoured as "audit unavailable" even though the kernel would let us write.
 */
import { constants, fdatasyncSync, statSync, write, writeSync, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { auditFileName, fsyncDir, type AuditFile } from "./files.js";

/** The open file the writer appends to. */
export interface Segment {
  name: string;
  path: string;
  fh: FileHandle;
  /** Bytes known durable (everything the writer has fdatasync'd). */
  size: number;
  /** The open file's identity: while it is open, no other file can have the same pair. */
  dev: number;
  ino: number;
}

/**
 * Segments are opened with O_DSYNC where the platform has it: each write returns only once its
 * data (and the file size) is on disk, as write + fdatasync would, but as one thread-pool job and
 * one syscall instead of two. Elsewhere writeDurably adds the fdatasync.
 */
const DSYNC: number = constants.O_DSYNC ?? 0;

/** Opens an existing log file for appending and repair. */
export async function openSegment(file: AuditFile): Promise<Segment> {
  const fh = await open(file.path, constants.O_RDWR | DSYNC);
  try {
    const { size, dev, ino } = await fh.stat();
    return { name: file.name, path: file.path, fh, size, dev, ino };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Creates the file whose first record will be `firstSeq` (0600), durably linked into `dir`. */
export async function createSegment(dir: string, firstSeq: number): Promise<Segment> {
  const name = auditFileName(firstSeq);
  const path = join(dir, name);
  const fh = await open(path, constants.O_RDWR | constants.O_CREAT | DSYNC, 0o600);
  try {
    const { size, dev, ino } = await fh.stat();
    if (size !== 0) throw new Error("next audit file already has content");
    await fsyncDir(dir);
    return { name, path, fh, size, dev, ino };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

// The two checks below run before every batch, on the request path. They use synchronous stat
// calls on purpose: on a local filesystem each costs microseconds, whereas trips through libuv's
// thread pool per batch measurably added to every request's latency.

/** Throws when `dir` is gone or has no write bit. */
export function assertDirWritable(dir: string): void {
  if (!hasWriteBit(statSync(dir))) throw new Error("audit directory is read-only");
}

/**
 * Throws when the segment's file is read-only, was deleted, or was replaced by another file. One
 * stat of the path does it: when the path still names the open file (same dev and inode, which
 * no other file can have while this one is open), its mode is the open file's mode; when it names
 * nothing or another file, ours was deleted, moved or replaced.
 */
export function assertSegmentWritable(seg: Segment): void {
  const named = statSync(seg.path);
  if (named.ino !== seg.ino || named.dev !== seg.dev) {
    throw new Error("audit file was removed or replaced");
  }
  if (!hasWriteBit(named)) throw new Error("audit file is read-only");
}

/** Writes `data` at the durable end of the segment, durably; does not advance `size`. */
export async function writeDurably(seg: Segment, data: Buffer): Promise<void> {
  let done = 0;
  while (done < data.length) {
    done += await writeAt(seg.fh.fd, data, done, data.length - done, seg.size + done);
  }
  if (DSYNC === 0) await seg.fh.datasync();
}

/**
 * fs.write with a callback, as a promise: about 5 µs of CPU less per write than FileHandle.write
 * (measured). The writer never closes a segment while a write to it is in flight.
 */
function writeAt(fd: number, data: Buffer, offset: number, length: number, position: number) {
  return new Promise<number>((resolve, reject) => {
    write(fd, data, offset, length, position, (err, written) =>
      err ? reject(err) : resolve(written),
    );
  });
}

/**
 * The same, synchronously: blocks the event loop until the data is on disk. Only for the small,
 * idle-time batches inline-writes.ts allows.
 */
export function writeDurablySync(seg: Segment, data: Buffer): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(seg.fh.fd, data, done, data.length - done, seg.size + done);
  }
  if (DSYNC === 0) fdatasyncSync(seg.fh.fd);
}

/** Cuts the file back to `size` and makes the cut durable. */
export async function truncateDurably(seg: Segment, size: number): Promise<void> {
  await seg.fh.truncate(size);
  await seg.fh.datasync();
}

function hasWriteBit(st: Stats): boolean {
  return (st.mode & 0o222) !== 0;
}
