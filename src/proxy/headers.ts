/**
 * Header hygiene both ways (spec §3): hop-by-hop headers, anything named by `Connection`,
 * proxy credentials and every `X-Sigil-*` header are removed before a request leaves Vault; the
 * agent's response loses hop-by-hop headers only. Request framing (`Content-Length`,
 * `Transfer-Encoding`) never passes through: the forwarder frames the body itself (framing.ts).
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Headers a `Connection` token can never remove: dropping them would change how the message is
 * delimited or where it goes (RFC 9110 §7.6.1 lets Connection name only hop-by-hop fields).
 */
const NEVER_HOP_BY_HOP = new Set(["host", "content-length", "transfer-encoding"]);

/** Framing headers of the agent's request; the forwarder writes its own (framing.ts). */
const FRAMING = new Set(["content-length", "transfer-encoding"]);

function connectionTokens(raw: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== "connection") continue;
    for (const t of (raw[i + 1] as string).split(",")) {
      const token = t.trim().toLowerCase();
      if (!NEVER_HOP_BY_HOP.has(token)) named.add(token);
    }
  }
  return named;
}

/** Outbound request headers from the agent's raw headers, lower-cased, without Host. */
export function outboundHeaders(raw: readonly string[]): Record<string, string | string[]> {
  const named = connectionTokens(raw);
  // No prototype: a header named `__proto__` (a valid token) must be an ordinary entry.
  const out: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (
      HOP_BY_HOP.has(name) ||
      FRAMING.has(name) ||
      named.has(name) ||
      name === "host" ||
      name.startsWith("x-sigil-")
    ) {
      continue;
    }
    const value = raw[i + 1] as string;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}

/** Upstream response headers for the agent, as a flat raw array preserving case and order. */
export function responseHeaders(raw: readonly string[]): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}
