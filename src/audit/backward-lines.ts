/**
 * Reads a log file from its end, a chunk at a time, so finding the chain head or the last N
 * records costs the size of those records, not the size of a 64 MiB file.
 */
import type { FileHandle } from "node:fs/promises";

const CHUNK = 64 * 1024;

/** A line read backwards: its text (no "\n") and the byte offset where it starts. */
export interface BackwardLine {
  text: string;
  start: number;
}

/**
 * Yields the lines of bytes [0, end), last line first. `end` is the offset just after a "\n"
 * (see `completeEnd`), so every yielded line was complete on disk.
 */
export async function* readLinesBackward(
  fh: FileHandle,
  end: number,
): AsyncGenerator<BackwardLine> {
  if (end <= 0) return;
  let pos = end - 1; // skip the final "\n"
  let carry = Buffer.alloc(0); // bytes [pos, end of the line being assembled)
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const buf = Buffer.concat([await readAt(fh, start, pos - start), carry]);
    let scanEnd = buf.length;
    while (scanEnd > 0) {
      const nl = buf.lastIndexOf(0x0a, scanEnd - 1);
      if (nl === -1) break;
      yield { text: buf.toString("utf8", nl + 1, scanEnd), start: start + nl + 1 };
      scanEnd = nl;
    }
    carry = buf.subarray(0, scanEnd);
    pos = start;
  }
  yield { text: carry.toString("utf8"), start: 0 };
}

/** Offset just after the last "\n" in bytes [0, size): where the complete lines end. */
export async function completeEnd(fh: FileHandle, size: number): Promise<number> {
  let pos = size;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const nl = (await readAt(fh, start, pos - start)).lastIndexOf(0x0a);
    if (nl !== -1) return start + nl + 1;
    pos = start;
  }
  return 0;
}

/** Reads exactly `length` bytes at `position` (short reads are retried). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) return buf.subarray(0, done);
    done += bytesRead;
  }
  return buf;
}
