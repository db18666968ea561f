/**
 * Who may talk to the dashboard: GET/HEAD only (it is read-only), and only under a Host the
 * listener really answers to — `localhost` or the IP literal the connection arrived on, with the
 * listener's port — so a DNS-rebinding page on another origin cannot read it. Cross-site fetches
 * are refused too when the browser says so (Sec-Fetch-Site).
 */
import type { IncomingMessage } from "node:http";

/** Sent on every dashboard response. No CORS header is ever sent. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** Why a request is refused, or undefined when it may be served. */
export function refusal(
  req: IncomingMessage,
  port: number,
): { status: number; reason: string } | undefined {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return { status: 405, reason: "the dashboard is read-only (GET, HEAD)" };
  }
  if (!hostAllowed(req.headers.host, req.socket.localAddress, port)) {
    return { status: 403, reason: "Host header does not name this listener" };
  }
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { status: 403, reason: "cross-site requests are refused" };
  }
  return undefined;
}

/** `localhost` or the local IP literal, and the listener's port (implied only when it is 80). */
export function hostAllowed(
  host: string | undefined,
  localAddress: string | undefined,
  port: number,
): boolean {
  if (host === undefined) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  const name = (m[1] as string).toLowerCase().replace(/^\[|\]$/g, "");
  const hostPort = m[2] === undefined ? 80 : Number(m[2]);
  if (hostPort !== port) return false;
  const local = (localAddress ?? "").replace(/^::ffff:/, "");
  return name === "localhost" || (name !== "" && name === local.toLowerCase());
}
