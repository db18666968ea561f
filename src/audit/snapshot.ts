/**
 * Canonical JSON (RFC 8785, byte for byte what src/canonical-json.ts writes) of a value read once,
 * together with a copy of what was read. The writer takes this snapshot when a record is appended,
 * so an object its caller changes afterwards changes neither the stored line nor the record the
 * append resolves with. Members are read as JSON.stringify reads them (own enumerable string keys,
 * once each); object members that are `undefined` are left out, as JSON.stringify leaves them.
 * https://www.rfc-editor.org/rfc/rfc8785
 */
import { CanonicalJsonError } from "../canonical-json.js";

/** Where a copy goes: an object member or an array element. */
type Holder = Record<string, unknown>;

/**
 * What JSON.stringify escapes in a string: `"`, `\`, U+0000–U+001F and lone surrogates (every
 * surrogate here, to keep the test simple). A string with none of them is quoted as it is, which
 * skips a JSON.stringify call for nearly every member of a record.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s), faster for the common string that needs no escape. */
export function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/**
 * Sets `into[key]` to a copy of `value` and returns the value's canonical JSON. Throws
 * CanonicalJsonError for what JSON cannot hold exactly: `undefined` in an array, NaN, ±Infinity,
 * bigint, functions, symbols, array holes, cycles. `ancestors` are the objects being copied around
 * this one (null at a record's top level; allocated at the first nested object).
 */
export function snapshot(
  value: unknown,
  into: Holder,
  key: string,
  ancestors: object[] | null,
): string {
  let text: string;
  switch (typeof value) {
    case "string":
      text = quote(value);
      break;
    case "number":
      if (!Number.isFinite(value)) throw new CanonicalJsonError("canonical JSON rejects " + value);
      text = "" + value; // Number::toString, as JSON.stringify for a finite number
      break;
    case "boolean":
      text = value ? "true" : "false";
      break;
    case "object":
      if (value !== null) return nested(value, into, key, ancestors ?? []);
      text = "null";
      break;
    default:
      throw new CanonicalJsonError("canonical JSON rejects " + typeof value);
  }
  put(into, key, value);
  return text;
}

function nested(obj: object, into: Holder, key: string, ancestors: object[]): string {
  if (ancestors.includes(obj)) throw new CanonicalJsonError("canonical JSON rejects cyclic values");
  ancestors.push(obj);
  try {
    return Array.isArray(obj)
      ? arrayText(obj, into, key, ancestors)
      : objectText(obj, into, key, ancestors);
  } finally {
    ancestors.pop();
  }
}

function objectText(obj: object, into: Holder, key: string, ancestors: object[]): string {
  const source = obj as Record<string, unknown>;
  const copy: Holder = {};
  put(into, key, copy);
  let text = "";
  for (const k of Object.keys(source).sort()) {
    const member = source[k];
    if (member === undefined) continue;
    text += (text === "" ? "" : ",") + quote(k) + ":" + snapshot(member, copy, k, ancestors);
  }
  return "{" + text + "}";
}

function arrayText(arr: unknown[], into: Holder, key: string, ancestors: object[]): string {
  const copy: unknown[] = [];
  put(into, key, copy);
  let text = "";
  for (let i = 0; i < arr.length; i++) {
    if (!(i in arr)) throw new CanonicalJsonError("canonical JSON rejects sparse array holes");
    text +=
      (i === 0 ? "" : ",") + snapshot(arr[i], copy as unknown as Holder, String(i), ancestors);
  }
  return "[" + text + "]";
}

/** `into[key] = value`, except that a member named `__proto__` stays a member. */
export function put(into: Holder, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(into, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else into[key] = value;
}
