/**
 * IP literal → network-order bytes, for the iPAddress form of subjectAltName (RFC 5280 §4.2.1.6:
 * 4 octets for IPv4, 16 for IPv6). node:net validates the text but has no inet_pton.
 */
import { isIP } from "node:net";

/** Bytes of an IPv4 or IPv6 literal (no brackets, no zone id), or undefined if it is not one. */
export function ipAddressBytes(text: string): Buffer | undefined {
  const family = isIP(text);
  if (family === 4) return Buffer.from(text.split(".").map(Number));
  if (family !== 6 || text.includes("%")) return undefined;
  return ipv6Bytes(text);
}

function ipv6Bytes(text: string): Buffer {
  let groups = text.split(":");
  const last = groups[groups.length - 1] ?? "";
  if (last.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split(".").map(Number);
    groups = [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  }
  const gap = groups.indexOf("");
  if (gap !== -1) {
    const head = groups.slice(0, gap).filter((g) => g !== "");
    const tail = groups.slice(gap + 1).filter((g) => g !== "");
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill("0"), ...tail];
  }
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}
