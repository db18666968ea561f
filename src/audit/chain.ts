/**
 * Sealing and checking one record of the hash chain (spec §8). Lines are stored in RFC 8785
 * canonical form, so the verifier can demand byte equality: any edited byte either changes the
 * hash or breaks the canonical form. https://www.rfc-editor.org/rfc/rfc8785
 */
import { hash as digest } from "node:crypto";
import { canonicalize } from "../canonical-json.js";
import type { AuditRecord } from "./record.js";

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A sealed record and its line (canonical JSON plus "\n"). */
export interface SealedRecord {
  record: AuditRecord;
  line: string;
}

/** Adds `hash` to `unsealed` (which already holds v/seq/ts/prev); throws if it is not plain JSON. */
export function sealRecord(unsealed: Record<string, unknown>): SealedRecord {
  const c = canonicalParts(unsealed);
  const hash = sha256Hex(c.hashed);
  const record = { ...unsealed, hash } as AuditRecord;
  return { record, line: c.line(hash) + "\n" };
}

/**
 * Checks a parsed record against its own line: shape, hash, canonical form. Returns the reason it
 * is bad, or null. Links (seq, prev) are the caller's business.
 */
export function checkSealedLine(value: unknown, line: string): string | null {
  const shape = checkShape(value);
  if (shape) return shape;
  const record = value as AuditRecord;
  const { hash, ...rest } = record;
  let c;
  try {
    c = canonicalParts(rest);
  } catch {
    return "record holds a value canonical JSON cannot represent";
  }
  if (sha256Hex(c.hashed) !== hash) return "hash does not match the record's content";
  if (c.line(hash) !== line) return "record is not in canonical JSON form";
  return null;
}

/** Parses a stored line into a record with a valid shape (hash not checked), or null. */
export function parseRecordLine(line: string): AuditRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return checkShape(value) === null ? (value as AuditRecord) : null;
}

/** Returns why `value` is not shaped like a record, or null. */
export function checkShape(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "record is not a JSON object";
  }
  const r = value as Record<string, unknown>;
  if (r.v !== 1) return "unsupported record version (v must be 1)";
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) return "seq is missing or invalid";
  if (typeof r.ts !== "string" || !ISO_MS_UTC.test(r.ts) || Number.isNaN(Date.parse(r.ts))) {
    return "ts is missing or not RFC 3339 UTC with milliseconds";
  }
  if (typeof r.type !== "string" || r.type === "") return "type is missing";
  if (typeof r.prev !== "string" || !HEX64.test(r.prev)) return "prev is missing or invalid";
  if (typeof r.hash !== "string" || !HEX64.test(r.hash)) return "hash is missing or invalid";
  return null;
}

/** Copies a JSON-ish value without object members whose value is `undefined` (as JSON.stringify). */
export function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) out[key] = dropUndefined(member);
  }
  return out;
}

function sha256Hex(text: string): string {
  return digest("sha256", text, "hex"); // one-shot (Node ≥ 20.12): no Hash object per record
}

/** A record without `hash`, canonically: the text its hash covers, and its line once hashed. */
interface CanonicalParts {
  hashed: string;
  line(hash: string): string;
}

/** The sorted key order of one record shape and where `hash` goes in it. */
interface KeyOrder {
  keys: string[];
  /** `"key":` for each key, JSON-quoted once. */
  prefixes: string[];
  /** Index of the first key that sorts after "hash". */
  hashAt: number;
}

/** Records come in a handful of shapes (release, outcome, deny, …): sort each shape's keys once. */
const keyOrders = new Map<string, KeyOrder>();
const MAX_KEY_ORDERS = 256;

function keyOrder(obj: Record<string, unknown>): KeyOrder {
  const own = Object.keys(obj);
  const id = JSON.stringify(own); // unambiguous whatever the key names hold
  let order = keyOrders.get(id);
  if (order === undefined) {
    const keys = own.sort(); // by UTF-16 code units, like JCS
    const hashAt = keys.findIndex((k) => k > "hash");
    order = {
      keys,
      prefixes: keys.map((k) => JSON.stringify(k) + ":"),
      hashAt: hashAt < 0 ? keys.length : hashAt,
    };
    if (keyOrders.size < MAX_KEY_ORDERS) keyOrders.set(id, order);
  }
  return order;
}

/** One pass over the members: the text before and after where `hash` sorts. */
function canonicalParts(obj: Record<string, unknown>): CanonicalParts {
  const { keys, prefixes, hashAt } = keyOrder(obj);
  let head = "";
  let tail = "";
  for (let i = 0; i < keys.length; i++) {
    const value = obj[keys[i]!];
    // Most members are strings: skip canonicalize's per-call cycle-tracking set for them.
    const member =
      prefixes[i]! + (typeof value === "string" ? JSON.stringify(value) : canonicalize(value));
    if (i < hashAt) head += (i === 0 ? "" : ",") + member;
    else tail += (i === hashAt ? "" : ",") + member;
  }
  const sep = head !== "" && tail !== "" ? "," : "";
  return {
    hashed: "{" + head + sep + tail + "}",
    line: (hash) =>
      "{" +
      head +
      (head === "" ? "" : ",") +
      '"hash":' +
      JSON.stringify(hash) +
      (tail === "" ? "" : ",") +
      tail +
      "}",
  };
}
