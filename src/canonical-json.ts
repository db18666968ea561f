/**
 * Canonical JSON shared by the audit chain (RFC 8785, JCS) and Sigil Sign's `pg-commit-v1`
 * (keys sorted by UTF-16 code units, no whitespace, ECMAScript number form). For the JSON values
 * both use, the two definitions coincide, so one serializer serves both.
 * https://www.rfc-editor.org/rfc/rfc8785
 */
import { hash } from "node:crypto";

export class CanonicalJsonError extends Error {
  override name = "CanonicalJsonError";
}

/** Serializes a plain JSON value canonically; throws CanonicalJsonError on anything else. */
export function canonicalize(value: unknown): string {
  return serialize(value, new Set());
}

/** `pg-commit-v1`: txCommit = SHA-256 hex of the canonical JSON of the intent. */
export function pgCommit(intent: unknown): string {
  return hash("sha256", canonicalize(intent));
}

/**
 * `canonicalize` for a value exactly as JSON.parse returned it (only plain objects, dense arrays,
 * strings, numbers, booleans and null, all data properties): the same text, without the checks
 * that only values built in code can fail, which cost more than the serialising on the request
 * path. JSON numbers beyond double range parse to Infinity and are refused as there.
 */
export function canonicalizeParsedJson(value: unknown): string {
  // JSON.stringify writes strings and numbers as canonicalize does and members in property order:
  // when every object's names are already in UTF-16 order (a canonical text, as clients send,
  // parsed back), its output is the canonical text. Otherwise, or with a non-finite number, sort.
  return inCanonicalOrder(value) ? JSON.stringify(value) : serializeParsed(value);
}

/** True when every object's own names are in UTF-16 order and every number is finite. */
function inCanonicalOrder(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!inCanonicalOrder(value[i])) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0 && !((keys[i - 1] as string) < key)) return false;
    if (!inCanonicalOrder(record[key])) return false;
  }
  return true;
}

function serializeParsed(value: unknown): string {
  const scalar = serializeScalar(value);
  if (scalar !== undefined) return scalar;
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += serializeParsed(value[i]);
    }
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ",";
    out += JSON.stringify(key) + ":" + serializeParsed(record[key]);
  }
  return out + "}";
}

/** The text of null, a string, a boolean or a finite number; undefined for anything else. */
function serializeScalar(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value))
        throw new CanonicalJsonError("pg-commit-v1 rejects non-finite numbers");
      return JSON.stringify(value);
  }
  return value === null ? "null" : undefined;
}

function serialize(value: unknown, seen: Set<object>): string {
  const scalar = serializeScalar(value);
  if (scalar !== undefined) return scalar;
  switch (typeof value) {
    case "undefined":
      throw new CanonicalJsonError("pg-commit-v1 rejects undefined");
    case "bigint":
      throw new CanonicalJsonError("pg-commit-v1 rejects bigint");
    case "function":
      throw new CanonicalJsonError("pg-commit-v1 rejects functions");
    case "symbol":
      throw new CanonicalJsonError("pg-commit-v1 rejects symbols");
  }
  const obj = value as object;
  if (seen.has(obj)) throw new CanonicalJsonError("pg-commit-v1 rejects cyclic values");
  seen.add(obj);
  try {
    return Array.isArray(obj) ? serializeArray(obj, seen) : serializeObject(obj, seen);
  } finally {
    seen.delete(obj);
  }
}

function serializeArray(arr: unknown[], seen: Set<object>): string {
  if (Object.getPrototypeOf(arr) !== Array.prototype) {
    throw new CanonicalJsonError("pg-commit-v1 rejects non-plain arrays");
  }
  for (const key of Reflect.ownKeys(arr)) {
    if (key === "length") continue;
    if (typeof key === "symbol")
      throw new CanonicalJsonError("pg-commit-v1 rejects symbol-keyed object properties");
    if (!isArrayIndex(key))
      throw new CanonicalJsonError("pg-commit-v1 rejects non-index array properties");
    assertEnumerableData(arr, key, "pg-commit-v1 rejects non-enumerable array properties");
  }
  let out = "[";
  for (let i = 0; i < arr.length; i++) {
    if (!Object.prototype.hasOwnProperty.call(arr, i)) {
      throw new CanonicalJsonError("pg-commit-v1 rejects sparse array holes");
    }
    if (i > 0) out += ",";
    out += serialize(arr[i], seen);
  }
  return out + "]";
}

function serializeObject(obj: object, seen: Set<object>): string {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError("pg-commit-v1 rejects non-plain objects");
  }
  const record = obj as Record<string, unknown>;
  for (const key of Reflect.ownKeys(record)) {
    if (typeof key === "symbol")
      throw new CanonicalJsonError("pg-commit-v1 rejects symbol-keyed object properties");
    assertEnumerableData(record, key, "pg-commit-v1 rejects non-enumerable object properties");
  }
  const keys = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ",";
    out += JSON.stringify(key) + ":" + serialize(record[key], seen);
  }
  return out + "}";
}

/** Accessors could return different values on each read, so only plain enumerable data properties count. */
function assertEnumerableData(target: object, key: string, nonEnumerableMessage: string): void {
  const desc = Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor;
  if (desc.get !== undefined || desc.set !== undefined) {
    throw new CanonicalJsonError("pg-commit-v1 rejects accessor properties");
  }
  if (!desc.enumerable) throw new CanonicalJsonError(nonEnumerableMessage);
}

/** ECMAScript array index: canonical decimal integer below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < 4294967295 && String(n) === key;
}
