/**
 * JSON parsing for security-relevant documents: duplicate member names are refused at any depth
 * (parsers disagree on which duplicate wins, RFC 8259 §4), bytes must be valid UTF-8, and the
 * top level must be an object.
 */
import { isUtf8 } from "node:buffer";

export class StrictJsonError extends Error {
  override name = "StrictJsonError";
}

/** Checks UTF-8 strictly (as a fatal TextDecoder would) and parses the bytes as a strict JSON object. */
export function parseJsonObjectBytes(bytes: Uint8Array): Record<string, unknown> {
  if (!isUtf8(bytes)) throw new StrictJsonError("is not valid UTF-8");
  // A byte order mark stays in the text (and JSON.parse refuses it), as with `ignoreBOM: true`.
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return parseJsonObject(buf.toString("utf8"));
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
  if (membersInValue(value) !== membersInText(text)) {
    throw new StrictJsonError("has a duplicate member name");
  }
  return value as Record<string, unknown>;
}

/*
 * Why counting finds every duplicate: JSON.parse keeps one property per distinct member name (names
 * compared after unescaping, so `"a"` and `"\u0061"` are one), so each object it returns has at
 * most as many keys as its text has members, and fewer exactly when a name repeats. A value it
 * drops (the loser of a duplicate) takes its nested objects with it, but only because its parent
 * has a duplicate. So the parsed keys, summed over every reachable object, equal the members in
 * the text only when no object anywhere has a duplicate name.
 */

/** Members in valid JSON text: each is one `:` outside a string literal. */
function membersInText(text: string): number {
  let members = 0;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('"', i);
    const gap = open < 0 ? text.length : open;
    for (; i < gap; i++) if (text.charCodeAt(i) === 0x3a /* : */) members++;
    if (open < 0) break;
    // The closing quote is the first one after an even run of backslashes (escapes are pairs).
    let close = open;
    do {
      close = text.indexOf('"', close + 1);
      if (close < 0) return members; // unreachable: the text parsed, so every literal ends
      i = close - 1;
      while (text.charCodeAt(i) === 0x5c /* \ */) i--;
    } while ((close - i) % 2 === 0);
    i = close + 1;
  }
  return members;
}

/** Own keys of every object reachable in a JSON.parse result (iterative: depth is unbounded). */
function membersInValue(root: object): number {
  let members = 0;
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Array.isArray(node)) {
      for (const item of node as unknown[]) {
        if (typeof item === "object" && item !== null) pending.push(item);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    members += keys.length;
    for (const key of keys) {
      const item = record[key];
      if (typeof item === "object" && item !== null) pending.push(item);
    }
  }
  return members;
}
