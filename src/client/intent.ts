/**
 * The HTTP intent of one request (docs/agents.md): exactly the fields Sigil Sign's closed intent
 * schema allows, with what Vault checks beyond them in `metadata` — the body's SHA-256, a fresh
 * nonce (Sign's tokens have no `jti` and Ed25519 is deterministic, so identical intents signed
 * in one second would be one token), and the `x-amz-*` headers SigV4 routes pin.
 */
import { createHash, randomUUID } from "node:crypto";
import { canonicalize, pgCommit } from "../canonical-json.js";

/** What the client knows about a request before it is sent. */
export interface HttpRequestFacts {
  method: string;
  /** Absolute http(s) URL. */
  url: string;
  /** Header name → value (names in any case). */
  headers: Iterable<[string, string]>;
  /** The exact body bytes, when the request has a body. */
  body?: { bytes: Uint8Array; contentType: string };
  /** Default: a random UUID. */
  nonce?: string;
}

/** An HTTP intent in Sign's schema. */
export interface HttpIntent {
  action: "http";
  method: string;
  url: string;
  host: string;
  path: string;
  query?: string;
  body_projection?: { content_type: string; size_bytes: number };
  metadata: { nonce: string; body_sha256?: string; headers?: Record<string, string> };
}

/**
 * SigV4 computes these itself when Vault re-signs; every other `x-amz-*` header is pinned. A
 * payload hash of `UNSIGNED-PAYLOAD` is the agent's choice (Vault keeps it), so it is pinned too.
 */
const SIGV4_OWN = new Set(["x-amz-date", "x-amz-content-sha256", "x-amz-security-token"]);

export function buildHttpIntent(req: HttpRequestFacts): HttpIntent {
  const url = new URL(req.url);
  const metadata: HttpIntent["metadata"] = { nonce: req.nonce ?? randomUUID() };
  const intent: HttpIntent = {
    action: "http",
    method: req.method.toUpperCase(),
    url: url.href,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    path: url.pathname,
    ...(url.search.length > 1 ? { query: url.search.slice(1) } : {}),
    metadata,
  };
  if (req.body) {
    intent.body_projection = {
      content_type: req.body.contentType,
      size_bytes: req.body.bytes.byteLength,
    };
    metadata.body_sha256 = createHash("sha256").update(req.body.bytes).digest("hex");
  }
  const pinned = pinnedAmzHeaders(req.headers);
  if (pinned) metadata.headers = pinned;
  return intent;
}

/** pg-commit-v1: SHA-256 hex of the intent's canonical JSON — Sign's `txCommit`. */
export function txCommitOf(intent: HttpIntent): string {
  return pgCommit(intent);
}

/** The `X-Sigil-Intent` value: base64url of the intent's canonical JSON. */
export function encodeIntentHeader(intent: HttpIntent): string {
  return Buffer.from(canonicalize(intent), "utf8").toString("base64url");
}

function pinnedAmzHeaders(headers: Iterable<[string, string]>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const unsigned = lower === "x-amz-content-sha256" && value === "UNSIGNED-PAYLOAD";
    if (!lower.startsWith("x-amz-") || (SIGV4_OWN.has(lower) && !unsigned)) continue;
    out[lower] = lower in out ? `${out[lower]}, ${value}` : value;
    any = true;
  }
  return any ? out : undefined;
}
