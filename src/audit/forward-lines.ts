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
  /** True when the bytes are not valid UTF-8 (`text` then holds a lossy decoding). */
  invalidUtf8?: boolean;
}

// Lossy decoding would map distinct invalid bytes to the same U+FFFD, hiding an edited byte
// from `audit verify`; decode strictly and report the line instead.
const strict = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Buffer): { text: string; invalidUtf8?: true } {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    return { text: bytes.toString("utf8"), invalidUtf8: true };
  }
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
      yield {
        ...decode(Buffer.concat([carry, chunk.subarray(0, nl)])),
        complete: true,
        end: offset + nl + 1,
      };
      carry = null;
      lineStart = nl + 1;
      nl = chunk.indexOf(0x0a, lineStart);
    }
    while (nl !== -1) {
      yield { ...decode(chunk.subarray(lineStart, nl)), complete: true, end: offset + nl + 1 };
      lineStart = nl + 1;
      nl = chunk.indexOf(0x0a, lineStart);
    }
    if (lineStart < chunk.length) {
      const rest = chunk.subarray(lineStart);
      carry = carry ? Buffer.concat([carry, rest]) : rest;
    }
    offset += chunk.length;
  }
  if (carry) yield { ...decode(carry), complete: false, end: offset };
}
