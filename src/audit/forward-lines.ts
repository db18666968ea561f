/**
 * Streams a log file line by line in large chunks, splitting on "\n" bytes itself (readline
 * cannot tell a complete last line from a torn one, and verify must report torn lines).
 */
import { createReadStream } from "node:fs";

const CHUNK = 1024 * 1024;

/** A line read forwards. */
export interface ForwardLine {
  /** Text without the "\n". */
  text: string;
  /** False only for a final fragment with no "\n" (a torn write, or one still in progress). */
  complete: boolean;
  /** Offset just after this line (after its "\n" when complete). */
  end: number;
}

/** Yields the lines of `path` from byte offset `start` (which should begin a line). */
export async function* readLinesForward(path: string, start = 0): AsyncGenerator<ForwardLine> {
  let offset = start; // file offset of chunk[0]
  let carry: Buffer | null = null; // start of a line that began in an earlier chunk
  for await (const data of createReadStream(path, { start, highWaterMark: CHUNK })) {
    const chunk = data as Buffer;
    let lineStart = 0;
    let nl = chunk.indexOf(0x0a);
    if (carry && nl !== -1) {
      const text = Buffer.concat([carry, chunk.subarray(0, nl)]).toString("utf8");
      yield { text, complete: true, end: offset + nl + 1 };
      carry = null;
      lineStart = nl + 1;
      nl = chunk.indexOf(0x0a, lineStart);
    }
    while (nl !== -1) {
      yield { text: chunk.toString("utf8", lineStart, nl), complete: true, end: offset + nl + 1 };
      lineStart = nl + 1;
      nl = chunk.indexOf(0x0a, lineStart);
    }
    if (lineStart < chunk.length) {
      const rest = chunk.subarray(lineStart);
      carry = carry ? Buffer.concat([carry, rest]) : rest;
    }
    offset += chunk.length;
  }
  if (carry) yield { text: carry.toString("utf8"), complete: false, end: offset };
}
