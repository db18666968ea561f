/**
 * What an inner request asks for. Inside a tunnel the Host (or absolute-form authority) must name
 * the tunnel's own host and port (421 otherwise), so a credential can never be steered to a host
 * the tunnel was not opened — and routed — for. The path is normalised once here; that single form
 * is both matched and forwarded.
 */
import type { IncomingMessage } from "node:http";
import { SigilError } from "../errors.js";
import { type Authority, parseAuthority } from "../routing/host.js";
import { normalizePath } from "../routing/path.js";
import type { RequestScope } from "./request-scope.js";

const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]+)(.*)$/i;

export interface RequestTarget {
  path: string;
  pathWithQuery: string;
}

export function resolveRequestTarget(scope: RequestScope, req: IncomingMessage): RequestTarget {
  const url = req.url ?? "";
  let rawPath = url;
  if (!url.startsWith("/")) {
    const m = ABSOLUTE_FORM.exec(url);
    if (!m || (m[1] as string).toLowerCase() !== scope.scheme) {
      throw new SigilError(
        "ERR_BAD_REQUEST",
        "request target must be origin-form or absolute-form",
      );
    }
    checkAuthority(scope, m[2] as string);
    rawPath = m[3] || "/";
  }
  const host = singleHost(req.rawHeaders);
  checkAuthority(scope, host);
  const { path, query } = normalizePath(rawPath);
  return { path, pathWithQuery: query ? `${path}?${query}` : path };
}

/** Exactly one non-empty Host header (RFC 9112 §3.2): two could disagree about the target. */
function singleHost(raw: readonly string[]): string {
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== "host") continue;
    if (host !== undefined)
      throw new SigilError("ERR_BAD_REQUEST", "request has more than one Host header");
    host = raw[i + 1] as string;
  }
  if (host === undefined || host === "")
    throw new SigilError("ERR_BAD_REQUEST", "request has no Host header");
  return host;
}

function checkAuthority(scope: RequestScope, authority: string): void {
  let parsed;
  try {
    parsed = parseAuthorityOnce(authority, scope.scheme);
  } catch {
    throw new SigilError("ERR_HOST_MISMATCH", "Host does not name the tunnel's host");
  }
  if (parsed.host !== scope.host || parsed.port !== scope.port) {
    throw new SigilError("ERR_HOST_MISMATCH", "Host does not match the tunnel's host and port");
  }
}

/**
 * Parsed Host values by scheme. parseAuthority is a pure function of its input, and a tunnel's
 * agent sends the same Host on every request, so each value is parsed (IDNA included) once.
 * Only values that parsed are kept; the cache is emptied when full, never grown without bound.
 */
const parsedAuthorities = {
  https: new Map<string, Authority>(),
  http: new Map<string, Authority>(),
};
const MAX_PARSED_AUTHORITIES = 256;

function parseAuthorityOnce(authority: string, scheme: RequestScope["scheme"]): Authority {
  const cache = parsedAuthorities[scheme];
  let parsed = cache.get(authority);
  if (parsed === undefined) {
    parsed = parseAuthority(authority, scheme === "https" ? 443 : 80);
    if (cache.size >= MAX_PARSED_AUTHORITIES) cache.clear();
    cache.set(authority, parsed);
  }
  return parsed;
}
