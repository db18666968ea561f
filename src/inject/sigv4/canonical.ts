/**
 * The canonical-request pieces of AWS Signature Version 4, computed from the request exactly as it
 * will go on the wire. Works on bytes (percent-decoding to bytes, then AWS `UriEncode`), so a path
 * or query that is not valid UTF-8 never throws. Rules:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */

const HEX = "0123456789ABCDEF";

/** AWS `UriEncode`: every byte except `A-Z a-z 0-9 - _ . ~` becomes `%XY`; `/` kept unless asked. */
export function uriEncode(bytes: Uint8Array, encodeSlash: boolean): string {
  let out = "";
  for (const b of bytes) {
    if (
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      (b >= 0x30 && b <= 0x39) ||
      b === 0x2d ||
      b === 0x5f ||
      b === 0x2e ||
      b === 0x7e ||
      (b === 0x2f && !encodeSlash)
    ) {
      out += String.fromCharCode(b);
    } else {
      out += "%" + HEX[b >> 4] + HEX[b & 15];
    }
  }
  return out;
}

/** `%XY` sequences become their byte; anything else (a stray `%` included) stays as its UTF-8. */
export function percentDecode(text: string): Buffer {
  const raw = Buffer.from(text, "utf8");
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    const hi = b === 0x25 ? hexValue(raw[i + 1]) : -1;
    const lo = hi >= 0 ? hexValue(raw[i + 2]) : -1;
    if (lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/**
 * S3 signs the object key encoded once, segment by segment, without normalisation (`a//b/./c` is
 * a valid key). Every other service normalises the path (empty, `.` and `..` segments) and encodes
 * the already-encoded path a second time.
 */
export function canonicalUri(rawPath: string, s3: boolean): string {
  if (rawPath === "") return "/";
  if (s3) {
    return rawPath
      .split("/")
      .map((seg) => uriEncode(percentDecode(seg), true))
      .join("/");
  }
  const kept: string[] = [];
  for (const seg of rawPath.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") kept.pop();
    else kept.push(seg);
  }
  const trailing = kept.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return uriEncode(Buffer.from(`/${kept.join("/")}${trailing}`, "utf8"), false);
}

/** Parameters decoded then re-encoded, sorted by name then value; `a` alone means `a=`. */
export function canonicalQuery(rawQuery: string): string {
  const pairs: [string, string][] = [];
  for (const piece of rawQuery.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? "" : piece.slice(eq + 1);
    pairs.push([uriEncode(percentDecode(name), true), uriEncode(percentDecode(value), true)]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** Values trimmed, inner runs of spaces collapsed to one, repeated headers joined with commas. */
export function canonicalHeaderValue(value: string | readonly string[]): string {
  const values = typeof value === "string" ? [value] : value;
  return values.map((v) => v.trim().replace(/\s+/g, " ")).join(",");
}
