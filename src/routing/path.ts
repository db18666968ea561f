/**
 * Request paths are normalised once into the single form that is both matched against routes and
 * forwarded upstream, so an upstream cannot read a path differently from the router (spec §6).
 * Anything an upstream might decode or resolve differently is refused rather than guessed at.
 * Route path patterns are parsed here too, their literals normalised like request segments.
 */
import { SigilError } from "../errors.js";

/** A normalised request target. */
export interface NormalizedPath {
  /** Starts with "/"; dots resolved, unreserved escapes decoded, other escapes upper-case. */
  path: string;
  /** Raw query after the first "?", without it; "" when absent. Never used for matching. */
  query: string;
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
// RFC 3986 §2.3 unreserved: ALPHA DIGIT - . _ ~
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// An upstream that decodes once more would see ".", "/", "\" or "%" here.
const DOUBLE_ENCODED = /%25(?:2E|2F|5C|25)/i;
// Servlet containers read "..;x" as "..": a route for /v1/* must not reach /admin through it.
const DOT_WITH_PARAMS = /^\.\.?(?:;|%3B)/i;
const BAD_QUERY_CHAR = /[\x00-\x20\x7f-\uffff#]/;
/** Characters a segment may hold as they are: printable ASCII except "%", backslash, "#" and "?". */
const PLAIN = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) PLAIN[c] = 1;
for (const c of "%\\#?") PLAIN[c.charCodeAt(0)] = 0;

function badPath(reason: string): never {
  throw new SigilError("ERR_BAD_REQUEST", reason);
}

/**
 * Normalises one path segment (no "/" inside): validates characters and percent-escapes, decodes
 * escaped unreserved characters and upper-cases the remaining escapes (RFC 3986 §6.2.2).
 * Encoded "/" and "\" are refused: an upstream that decodes them could be steered out of a pattern.
 */
export function normalizeSegment(raw: string): string {
  // Most segments are plain printable ASCII: nothing to decode, and none of the checks below can
  // fail without a "%" except a dot segment with parameters.
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0x7e || PLAIN[code] === 0) return normalizeEscapedSegment(raw);
  }
  if (raw.charCodeAt(0) === 0x2e && DOT_WITH_PARAMS.test(raw)) {
    badPath("dot segment with parameters in path");
  }
  return raw;
}

/** The general case: escapes to decode, or characters to refuse. */
function normalizeEscapedSegment(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) badPath("malformed percent-escape in path");
      const byte = parseInt(hex, 16);
      if (byte === 0x2f || byte === 0x5c) badPath("encoded slash or backslash in path");
      if (byte < 0x20 || byte === 0x7f) badPath("encoded control character in path");
      const char = String.fromCharCode(byte);
      out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (code <= 0x20 || code >= 0x7f) {
      badPath("control, space or non-ASCII character in path");
    } else if (code === 0x5c) {
      badPath("backslash in path");
    } else if (code === 0x23 || code === 0x3f) {
      badPath("fragment or query character inside a path segment");
    } else {
      out += raw[i];
    }
  }
  if (DOUBLE_ENCODED.test(out)) badPath("double-encoded dot, slash, backslash or percent in path");
  if (DOT_WITH_PARAMS.test(out)) badPath("dot segment with parameters in path");
  try {
    decodeURIComponent(out); // refuses invalid and overlong UTF-8 (e.g. %C0%AE for ".")
  } catch {
    badPath("percent-encoded bytes in path are not valid UTF-8");
  }
  return out;
}

/**
 * Normalises an origin-form request target ("/path?query"). Dot segments, encoded or not, are
 * resolved as in RFC 3986 §5.2.4, except that ".." above the root is refused. Empty segments
 * ("//") are kept as they are: they are forwarded unchanged, a `*` segment never matches one, and
 * with dot segments already resolved, an upstream that merges slashes stays inside the same prefix.
 */
export function normalizePath(rawPathWithQuery: string): NormalizedPath {
  if (!rawPathWithQuery.startsWith("/")) badPath("request path must start with /");
  const q = rawPathWithQuery.indexOf("?");
  const rawPath = q < 0 ? rawPathWithQuery : rawPathWithQuery.slice(0, q);
  const query = q < 0 ? "" : rawPathWithQuery.slice(q + 1);
  if (BAD_QUERY_CHAR.test(query)) badPath("control, space, non-ASCII or # character in query");
  const input = rawPath.slice(1).split("/");
  const out: string[] = [];
  for (let index = 0; index < input.length; index++) {
    const segment = normalizeSegment(input[index] as string);
    const last = index === input.length - 1;
    if (segment === "..") {
      if (out.length === 0) badPath("path climbs above the root");
      out.pop();
    }
    if (segment === "." || segment === "..") {
      if (last) out.push("");
    } else {
      out.push(segment);
    }
  }
  return { path: `/${out.join("/")}`, query };
}

/** A compiled path pattern. */
export interface PathPattern {
  /** Canonical text, e.g. "/v1/*"; equal patterns have equal sources. */
  source: string;
  /** Normalised literal segments; null is a `*` (one non-empty segment). */
  segments: readonly (string | null)[];
  /** Trailing `/*`: the segments are a prefix (`/v1/*` matches `/v1`, `/v1/`, `/v1/a`). */
  prefix: boolean;
  literals: number;
  stars: number;
}

function badPattern(pattern: string, reason: string): never {
  throw new SigilError("ERR_USAGE", `invalid path pattern ${JSON.stringify(pattern)}: ${reason}`);
}

function parseSegment(pattern: string, raw: string, trailingAllowed: boolean): string | null {
  if (raw === "*") return null;
  if (raw.includes("*")) badPattern(pattern, "`*` must be a whole segment");
  if (raw === "" && !trailingAllowed) badPattern(pattern, "empty segment (`//`)");
  let segment: string;
  try {
    segment = normalizeSegment(raw);
  } catch (err) {
    badPattern(pattern, err instanceof SigilError ? err.reason : "invalid segment");
  }
  if (segment === "." || segment === "..") badPattern(pattern, "dot segments are not allowed");
  return segment;
}

/**
 * Parses an exact pattern ("/v1/chat/completions"), a prefix ("/v1/*", "/*"), or one with `*`
 * segments. A trailing `*` always means a prefix.
 */
export function parsePathPattern(pattern: string): PathPattern {
  if (!pattern.startsWith("/")) badPattern(pattern, "must start with /");
  if (pattern.includes("?") || pattern.includes("#")) {
    badPattern(pattern, "must not contain a query or fragment");
  }
  const prefix = pattern.endsWith("/*");
  const base = prefix ? pattern.slice(0, -2) : pattern;
  const raws = base === "" ? [] : base.slice(1).split("/");
  // An empty last segment is a trailing slash ("/" or "/v1/"), allowed only on exact patterns.
  const segments = raws.map((raw, i) =>
    parseSegment(pattern, raw, !prefix && i === raws.length - 1),
  );
  const stars = segments.filter((s) => s === null).length;
  const text = segments.map((s) => s ?? "*").join("/");
  return {
    source: prefix ? `${raws.length === 0 ? "" : `/${text}`}/*` : `/${text}`,
    segments,
    prefix,
    literals: segments.length - stars,
    stars,
  };
}
