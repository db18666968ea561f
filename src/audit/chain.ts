/**
 * Sealing and checking one record of the hash chain (spec §8). Lines are stored in RFC 8785
 * canonical form, so the verifier can demand byte equality: any edited byte either changes the
 * hash or breaks the canonical form. https://www.rfc-editor.org/rfc/rfc8785
 */
import { hash as digest } from "node:crypto";
import { CanonicalJsonError } from "../canonical-json.js";
import type { AuditRecord } from "./record.js";
import { quote, snapshot } from "./snapshot.js";

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A record checked and serialized when it was appended, waiting for its place in the chain: its
 * canonical text around the three members only sealing knows (`hash`, `prev`, `seq`; these sort
 * in that order, and `ts` and `v`, known at append, sort after `seq`).
 */
export interface UnsealedRecord {
  /** The snapshot of the input plus `v` and `ts`; sealing fills in `seq`, `prev` and `hash`. */
  record: AuditRecord;
  /** `{` and the members before `hash`, each followed by a comma. */
  head: string;
  /** The same plus the members between `hash` and `prev`: what precedes `prev` in the hashed text. */
  hashedHead: string;
  /** The members between `hash` and `prev`, each followed by a comma. */
  between: string;
  /** `,` and the members between `prev` and `seq`, each followed by a comma. */
  afterPrev: string;
  /** `,`, the members after `seq` (at least `ts` and `v`) and `}`. */
  tail: string;
}

/**
 * Snapshots `input` (a record without its chain members) as it is now; throws CanonicalJsonError
 * if it holds something canonical JSON cannot, so a bad input is refused alone, at append.
 */
export function prepareRecord(input: Record<string, unknown>, ts: string): UnsealedRecord {
  const shape = shapeOf(Object.keys(input));
  const record: Record<string, unknown> = {};
  let beforeHash = "";
  let beforePrev = "";
  let beforeSeq = "";
  let cur = "";
  for (const m of shape.members) {
    let text: string;
    switch (m.role) {
      case Role.Member: {
        const value = input[m.key];
        if (value === undefined) continue;
        text = m.prefix + snapshot(value, record, m.key, null);
        break;
      }
      case Role.Ts:
        record.ts = ts;
        text = '"ts":' + quote(ts);
        break;
      case Role.V:
        record.v = 1;
        text = '"v":1';
        break;
      case Role.Hash:
        beforeHash = cur;
        cur = "";
        record.hash = ""; // placeholders, filled when sealed: one layout for every record of a shape
        continue;
      case Role.Prev:
        beforePrev = cur;
        cur = "";
        record.prev = "";
        continue;
      case Role.Seq:
        beforeSeq = cur;
        cur = "";
        record.seq = 0;
        continue;
    }
    cur = cur === "" ? text : cur + "," + text;
  }
  const between = beforePrev === "" ? "" : beforePrev + ",";
  return {
    record: record as AuditRecord,
    head: "{" + (beforeHash === "" ? "" : beforeHash + ","),
    hashedHead: "{" + (beforeHash === "" ? between : beforeHash + "," + between),
    between,
    afterPrev: "," + (beforeSeq === "" ? "" : beforeSeq + ","),
    tail: "," + cur + "}",
  };
}

/** Gives `u` its place after `prev` as number `seq`; returns its line (without "\n"). */
export function sealRecord(u: UnsealedRecord, seq: number, prev: string): string {
  const fromPrev = '"prev":' + quote(prev) + u.afterPrev + '"seq":' + seq + u.tail;
  const hash = sha256Hex(u.hashedHead + fromPrev);
  const record = u.record;
  record.seq = seq;
  record.prev = prev;
  record.hash = hash;
  return u.head + '"hash":"' + hash + '",' + u.between + fromPrev;
}

/**
 * Checks a parsed record against its own line: shape, hash, canonical form. Returns the reason it
 * is bad, or null. Links (seq, prev) are the caller's business.
 */
export function checkSealedLine(value: unknown, line: string): string | null {
  const shape = checkShape(value);
  if (shape) return shape;
  const { hash, seq, ts, prev, v: _v, ...input } = value as AuditRecord;
  let u;
  try {
    u = prepareRecord(input, ts);
  } catch {
    return "record holds a value canonical JSON cannot represent";
  }
  const sealed = sealRecord(u, seq, prev);
  if (u.record.hash !== hash) return "hash does not match the record's content";
  if (sealed !== line) return "record is not in canonical JSON form";
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

function sha256Hex(text: string): string {
  return digest("sha256", text, "hex"); // one-shot (Node ≥ 20.12): no Hash object per record
}

/** What a member of a record's sorted layout is. */
const enum Role {
  Member,
  Hash,
  Prev,
  Seq,
  Ts,
  V,
}

const CHAIN_ROLES: ReadonlyMap<string, Role> = new Map([
  ["hash", Role.Hash],
  ["prev", Role.Prev],
  ["seq", Role.Seq],
  ["ts", Role.Ts],
  ["v", Role.V],
]);

/** The members of one record shape, input and chain alike, sorted by UTF-16 code units (JCS). */
interface Shape {
  /** The input's own keys in its order: the cache's identity. */
  keys: string[];
  members: { key: string; role: Role; prefix: string }[];
}

/**
 * Records come in a handful of shapes (release, outcome, deny, …): sort each shape once. Found by
 * key count, then compared key by key, so no key string is built per record.
 */
const shapes = new Map<number, Shape[]>();
let shapeCount = 0;
const MAX_SHAPES = 256;

function shapeOf(keys: string[]): Shape {
  const sameCount = shapes.get(keys.length);
  if (sameCount !== undefined) {
    for (const shape of sameCount) if (sameKeys(shape.keys, keys)) return shape;
  }
  for (const key of keys) {
    if (CHAIN_ROLES.has(key)) throw new CanonicalJsonError(`"${key}" is the chain's member`);
  }
  const all = [...keys, ...CHAIN_ROLES.keys()].sort();
  const shape: Shape = {
    keys,
    members: all.map((key) => ({
      key,
      role: CHAIN_ROLES.get(key) ?? Role.Member,
      prefix: quote(key) + ":",
    })),
  };
  if (shapeCount < MAX_SHAPES) {
    shapeCount++;
    if (sameCount === undefined) shapes.set(keys.length, [shape]);
    else sameCount.push(shape);
  }
  return shape;
}

function sameKeys(a: string[], b: string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
