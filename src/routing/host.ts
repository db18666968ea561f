/**
 * One canonical form for host names (lower-case, IDNA punycode, no trailing dot), applied the same
 * way to route patterns and live requests, so a request can only match a route through that form.
 * Canonicalisation is the WHATWG host parser (node:url domainToASCII), then RFC 1123 LDH rules.
 * Route host patterns (spec §6) are parsed here too, once at config time (ERR_USAGE on bad input).
 */
import { isIPv6 } from "node:net";
import { domainToASCII } from "node:url";
import { SigilError } from "../errors.js";

/** A CONNECT target or Host header, split and normalised. */
export interface Authority {
  /** Normalised host (see normalizeHost); IPv6 literals keep their brackets. */
  host: string;
  port: number;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DOTTED_QUAD = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
// ASCII outside letters, digits, "." and "-" is refused before IDNA: domainToASCII would otherwise
// percent-decode ("%41" → "a") or accept characters no DNS name has.
const FORBIDDEN_ASCII = /[^A-Za-z0-9.\-\u0080-\uffff]/;
const PORT = /^[1-9][0-9]{0,4}$/;

function badHost(reason: string): never {
  throw new SigilError("ERR_BAD_REQUEST", reason);
}

/**
 * Returns the canonical form of a host (no port). Throws ERR_BAD_REQUEST with a reason for
 * anything that is not a DNS name, a dotted-decimal IPv4 address or a bracketed IPv6 address.
 */
export function normalizeHost(input: string): string {
  if (input.length === 0) badHost("host is empty");
  if (input.length > 1024) badHost("host is too long");
  if (input.startsWith("[")) {
    if (!BRACKETED_IPV6.test(input) || !isIPv6(input.slice(1, -1))) {
      badHost("host is not a valid bracketed IPv6 address");
    }
    return domainToASCII(input); // RFC 5952 compressed, lower-case form
  }
  if (input.includes(":")) badHost("an IPv6 address must be written in brackets");
  if (FORBIDDEN_ASCII.test(input)) badHost("host contains a character not allowed in a host name");
  const ascii = domainToASCII(input);
  if (ascii === "") badHost("host is not a valid internationalised domain name");
  const host = ascii.endsWith(".") ? ascii.slice(0, -1) : ascii;
  if (DOTTED_QUAD.test(host)) {
    // WHATWG accepts "127.1", "0x7f.0.0.1" and "0127.0.0.1"; only the plain form is taken.
    const literal = input.endsWith(".") ? input.slice(0, -1) : input;
    if (literal !== host) badHost("an IPv4 address must be in plain dotted-decimal form");
    return host;
  }
  if (host.length > 253) badHost("host name is longer than 253 characters");
  for (const label of host.split(".")) {
    if (label.length > 63) badHost("a host label is longer than 63 characters");
    if (!LABEL.test(label)) badHost("a host label is empty or not letters, digits and hyphens");
  }
  return host;
}

/** True for a normalised IPv4 or bracketed IPv6 literal. */
function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || DOTTED_QUAD.test(host);
}

/**
 * Splits "host", "host:port", "[v6]" or "[v6]:port" without normalising the host. The port, when
 * present, must be decimal 1–65535 without a leading zero. Returns a reason instead of throwing so
 * callers can pick the error code (request vs configuration).
 */
function splitHostPort(input: string): { host: string; port: number | null } | { error: string } {
  let host: string;
  let rest: string;
  if (input.startsWith("[")) {
    const end = input.indexOf("]");
    if (end < 0) return { error: "IPv6 address is missing its closing bracket" };
    host = input.slice(0, end + 1);
    rest = input.slice(end + 1);
  } else {
    const colon = input.indexOf(":");
    if (colon !== input.lastIndexOf(":")) {
      return { error: "an IPv6 address must be written in brackets" };
    }
    host = colon < 0 ? input : input.slice(0, colon);
    rest = colon < 0 ? "" : input.slice(colon);
  }
  if (rest === "") return { host, port: null };
  if (!rest.startsWith(":")) return { error: "unexpected characters after the host" };
  const text = rest.slice(1);
  const port = PORT.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535) return { error: "port must be a decimal number from 1 to 65535" };
  return { host, port };
}

/**
 * Parses a CONNECT target ("host:port", port required) or, with `defaultPort`, a Host header
 * ("host[:port]"). Throws ERR_BAD_REQUEST with a reason; the input is never echoed back.
 */
export function parseAuthority(authority: string, defaultPort?: number): Authority {
  const parts = splitHostPort(authority);
  if ("error" in parts) badHost(parts.error);
  const port = parts.port ?? defaultPort;
  if (port === undefined) badHost("authority must include a port");
  return { host: normalizeHost(parts.host), port };
}

/** A compiled host pattern. */
export interface HostPattern {
  kind: "exact" | "wildcard";
  /** Normalised host; for a wildcard, the suffix after `*.` (e.g. "example.com"). */
  host: string;
  /** Explicit port, or null for the scheme's default (443 https, 80 http). */
  port: number | null;
}

function badPattern(pattern: string, reason: string): never {
  throw new SigilError("ERR_USAGE", `invalid host pattern ${JSON.stringify(pattern)}: ${reason}`);
}

/** Parses `api.example.com`, `api.example.com:8443`, `*.example.com` or `[::1]:8080`. */
export function parseHostPattern(pattern: string): HostPattern {
  const parts = splitHostPort(pattern);
  if ("error" in parts) badPattern(pattern, parts.error);
  let name = parts.host;
  let kind: HostPattern["kind"] = "exact";
  if (name === "*") badPattern(pattern, "`*` alone would match every host");
  if (name.startsWith("*.")) {
    kind = "wildcard";
    name = name.slice(2);
  }
  if (name.includes("*")) {
    badPattern(pattern, "`*` is only allowed as the whole first label, as in `*.example.com`");
  }
  let host: string;
  try {
    host = normalizeHost(name);
  } catch (err) {
    badPattern(pattern, err instanceof SigilError ? err.reason : "invalid host");
  }
  if (kind === "wildcard") {
    if (isIpLiteral(host)) badPattern(pattern, "a wildcard cannot cover an IP address");
    if (!host.includes(".")) {
      badPattern(pattern, "a wildcard over a single label (like `*.com`) is refused");
    }
  }
  return { kind, host, port: parts.port };
}
