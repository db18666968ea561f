/**
 * JSON parsing for security-relevant documents: duplicate member names are refused at any depth
 * (parsers disagree on which duplicate wins, RFC 8259 §4), bytes must be valid UTF-8, and the
 * top level must be an object.
 */

export class StrictJsonError extends Error {
  override name = "StrictJsonError";
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 bytes (fatal on malformed sequences) and parses them as a strict JSON object. */
export function parseJsonObjectBytes(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new StrictJsonError("is not valid UTF-8");
  }
  return parseJsonObject(text);
}

/** Parses JSON text whose top level is an object and whose objects have no duplicate member names. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StrictJsonError("is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StrictJsonError("is not a JSON object");
  }
  assertNoDuplicateKeys(text);
  return value as Record<string, unknown>;
}

interface Frame {
  /** Member names seen so far; undefined for arrays. */
  keys: Set<string> | undefined;
  expectKey: boolean;
}

/**
 * Walks already-validated JSON text and tracks member names per object. Names are compared after
 * unescaping, so `"a"` and `"\u0061"` are the same member.
 */
function assertNoDuplicateKeys(text: string): void {
  const stack: Frame[] = [];
  let top: Frame | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = endOfString(text, i);
      if (top?.keys !== undefined && top.expectKey) {
        const raw = text.slice(i, end + 1);
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) throw new StrictJsonError("has a duplicate member name");
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (top !== undefined) stack.push(top);
      top = { keys: c === 0x7b ? new Set() : undefined, expectKey: c === 0x7b };
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      top = stack.pop();
    } else if (c === 0x2c /* , */ && top?.keys !== undefined) {
      top.expectKey = true;
    }
  }
}

/** Index of the closing quote of the string literal opening at `start` (text is valid JSON). */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}
