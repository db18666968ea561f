/**
 * A minimal DER encoder (ITU-T X.690) for the handful of ASN.1 types an X.509 v3 certificate needs.
 * Node has no certificate-building API, and this is small enough to own and test byte for byte.
 */

/** Universal tag numbers used here (X.690 §8). */
const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Encodes a definite length: short form below 128, else long form with minimal octets. */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError("invalid DER length");
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One tag-length-value element; `tag` is the complete identifier octet. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Buffer[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(items));
}

/** SET OF, with elements sorted by their encodings as DER requires (X.690 §11.6). */
export function setOf(...items: Buffer[]): Buffer {
  return tlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

/**
 * A non-negative INTEGER from big-endian magnitude bytes or a small number: leading zero octets are
 * dropped and one 0x00 is prepended when the top bit is set, so the value never reads as negative.
 */
export function unsignedInteger(value: Buffer | number): Buffer {
  let bytes: Buffer;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError("invalid DER integer");
    const hex = value.toString(16);
    bytes = Buffer.from(hex.length % 2 === 1 ? "0" + hex : hex, "hex");
  } else {
    bytes = value;
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const magnitude = bytes.length === 0 ? Buffer.from([0]) : bytes.subarray(start);
  const needsPad = (magnitude[0] ?? 0) & 0x80;
  return tlv(TAG.integer, needsPad ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted form, base-128 encoded per X.690 §8.19 (memoised; do not mutate). */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const encoded = encodeOid(dotted);
  oidCache.set(dotted, encoded);
  return encoded;
}

function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((arc) => {
    if (!/^(0|[1-9][0-9]*)$/.test(arc)) throw new RangeError(`invalid OID: ${dotted}`);
    return BigInt(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2n || (first < 2n && second > 39n)) {
    throw new RangeError(`invalid OID: ${dotted}`);
  }
  const octets: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) group.unshift(Number(n & 0x7fn) | 0x80);
    octets.push(...group);
  }
  return tlv(TAG.oid, Buffer.from(octets));
}

export function utf8String(value: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(value, "utf8"));
}

/** PrintableString; refuses characters outside its alphabet (X.680 §41.4). */
export function printableString(value: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) throw new RangeError("not a PrintableString");
  return tlv(TAG.printableString, Buffer.from(value, "ascii"));
}

/** IA5String (7-bit ASCII), used implicitly tagged for dNSName. */
export function ia5Bytes(value: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(value)) throw new RangeError("not an IA5String");
  return Buffer.from(value, "ascii");
}

/**
 * A certificate validity time per RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) for 1950–2049,
 * GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise; always UTC, seconds, no fractions.
 */
export function time(date: Date): Buffer {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid date");
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError("date out of range for X.509");
  const two = (n: number) => String(n).padStart(2, "0");
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    "Z";
  if (year >= 1950 && year <= 2049) {
    return tlv(TAG.utcTime, Buffer.from(two(year % 100) + rest, "ascii"));
  }
  return tlv(TAG.generalizedTime, Buffer.from(String(year).padStart(4, "0") + rest, "ascii"));
}

/** BIT STRING whose first content octet counts the unused bits in the last octet. */
export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError("invalid BIT STRING padding");
  }
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A named-bit-list BIT STRING (e.g. KeyUsage) from bit positions, bit 0 being the most significant
 * bit of the first octet; trailing zero bits are removed as DER requires (X.690 §11.2.2).
 */
export function namedBits(positions: number[]): Buffer {
  if (positions.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...positions);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of positions) {
    const index = Math.floor(bit / 8);
    bytes[index] = (bytes[index] ?? 0) | (0x80 >> (bit % 8));
  }
  return bitString(bytes, 7 - (highest % 8));
}

export function octetString(bytes: Buffer): Buffer {
  return tlv(TAG.octetString, bytes);
}

/** `[n] EXPLICIT`: a constructed context-specific wrapper around a complete element. */
export function explicit(tagNumber: number, element: Buffer): Buffer {
  return tlv(0xa0 | contextNumber(tagNumber), element);
}

/** `[n] IMPLICIT` for a primitive type: the content octets under a context-specific tag. */
export function implicitPrimitive(tagNumber: number, content: Buffer): Buffer {
  return tlv(0x80 | contextNumber(tagNumber), content);
}

function contextNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError("unsupported context tag");
  return n;
}
