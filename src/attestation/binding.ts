/**
 * Binds a verified attestation to the live request (spec §5.4): the agent sends the intent it had
 * signed off in `X-Sigil-Intent`; its pg-commit-v1 hash must reproduce the token's `intentHash`, and
 * the intent must describe this very request (method, URL, pinned headers and, if pinned, the body).
 */
import { hash, timingSafeEqual } from "node:crypto";
import { canonicalizeParsedJson } from "../canonical-json.js";
import { SigilError } from "../errors.js";
import { decodeBase64url } from "./base64url.js";
import { checkPinnedHeaders } from "./pinned-headers.js";
import type { LiveHeaders } from "../live-headers.js";
import { parseJsonObjectBytes, StrictJsonError } from "./strict-json.js";
import type { VerifiedAttestation } from "./verify.js";

/** Per-route binding mode: `required` needs the header, `optional` checks it when sent. */
export type BindingMode = "off" | "optional" | "required";

/** Outcome for the audit record; `bodySha256` asks the pipeline to hash the body and call `checkBodyHash`. */
export interface BindingResult {
  result: "off" | "absent" | "verified";
  bodySha256?: string;
}

/** The request as Vault will forward it: method and absolute URL (`https://host[:port]/path?query`). */
export interface LiveRequest {
  method: string;
  url: string;
  /** Outbound headers before injection, for `metadata.headers` (none when omitted). */
  headers?: LiveHeaders;
  /** Agent-sent headers the route's injector signs: each must be pinned (pinned-headers.ts). */
  mustPin?: (name: string, value: string | readonly string[]) => boolean;
}

export const MAX_INTENT_HEADER_BYTES = 16 * 1024;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** Checks the `X-Sigil-Intent` header against the attestation and the live request. */
export function checkIntentBinding(
  intentHeader: string | undefined,
  att: VerifiedAttestation,
  live: LiveRequest,
  mode: BindingMode,
): BindingResult {
  if (mode === "off") return { result: "off" };
  if (intentHeader === undefined) {
    if (mode === "required") mismatch("this route requires an X-Sigil-Intent header");
    return { result: "absent" };
  }
  const intent = decodeIntent(intentHeader);
  if (att.intentHash === undefined) mismatch("attestation carries no intentHash to bind");
  // pg-commit-v1 (see pgCommit); the intent is straight from JSON.parse.
  const txCommit = hash("sha256", canonicalizeParsedJson(intent));
  const intentHash = hash("sha256", txCommit);
  if (intentHash !== att.intentHash)
    mismatch("intent does not hash to the attestation's intentHash");
  if (intent.action !== "http") mismatch('intent action is not "http"');
  if (
    typeof intent.method !== "string" ||
    (intent.method !== live.method && intent.method.toUpperCase() !== live.method.toUpperCase())
  ) {
    mismatch("intent method differs from the request method");
  }
  checkPinnedHeaders(intent, live.headers ?? {}, live.mustPin);
  if (typeof intent.url !== "string") mismatch("intent has no url");
  compareUrls(intent.url as string, live.url);
  const body = pinnedBodyHash(intent);
  return body === undefined ? { result: "verified" } : { result: "verified", bodySha256: body };
}

/**
 * The body hash the intent pins: `metadata.body_sha256` (where Sign's closed intent schema lets a
 * client put it) or the older top-level `body_sha256`. Both present must agree.
 */
function pinnedBodyHash(intent: Record<string, unknown>): string | undefined {
  const meta = intent.metadata;
  const nested =
    typeof meta === "object" && meta !== null && !Array.isArray(meta)
      ? (meta as Record<string, unknown>).body_sha256
      : undefined;
  const top = checkHex(intent.body_sha256, "body_sha256");
  const inMeta = checkHex(nested, "metadata.body_sha256");
  if (top !== undefined && inMeta !== undefined && top !== inMeta) {
    throw new SigilError(
      "ERR_ATTESTATION_INVALID",
      "intent body_sha256 and metadata.body_sha256 differ",
    );
  }
  return inMeta ?? top;
}

function checkHex(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !SHA256_HEX.test(value)) {
    throw new SigilError("ERR_ATTESTATION_INVALID", `intent ${what} must be 64 hex characters`);
  }
  return value.toLowerCase();
}

/** Compares the buffered body's SHA-256 with the intent's `body_sha256` in constant time. */
export function checkBodyHash(expectedHex: string, actualDigest: Buffer): void {
  const expected = Buffer.from(expectedHex, "hex");
  if (
    expected.length !== 32 ||
    actualDigest.length !== 32 ||
    !timingSafeEqual(expected, actualDigest)
  ) {
    mismatch("request body does not match the intent's body_sha256");
  }
}

function decodeIntent(header: string): Record<string, unknown> {
  if (header.length > MAX_INTENT_HEADER_BYTES) {
    throw new SigilError("ERR_ATTESTATION_INVALID", "X-Sigil-Intent exceeds 16 KiB");
  }
  const bytes = decodeBase64url(header);
  if (bytes === undefined) {
    throw new SigilError("ERR_ATTESTATION_INVALID", "X-Sigil-Intent is not canonical base64url");
  }
  try {
    return parseJsonObjectBytes(bytes);
  } catch (err) {
    if (err instanceof StrictJsonError) {
      throw new SigilError("ERR_ATTESTATION_INVALID", `X-Sigil-Intent ${err.message}`);
    }
    throw err;
  }
}

/** Scheme, host (lower-cased by WHATWG URL), non-default port, path and query must all be equal. */
function compareUrls(intentUrl: string, liveUrl: string): void {
  const intent = parseUrl(intentUrl, "intent url");
  if (intentUrl === liveUrl) return; // the same text parses to the same URL
  const live = parseUrl(liveUrl, "request url");
  if (intent.protocol !== live.protocol) mismatch("intent url scheme differs from the request");
  if (intent.hostname !== live.hostname) mismatch("intent url host differs from the request");
  if (intent.port !== live.port) mismatch("intent url port differs from the request");
  if (intent.pathname !== live.pathname) mismatch("intent url path differs from the request");
  if (intent.search !== live.search) mismatch("intent url query differs from the request");
}

function parseUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return mismatch(`${what} is not an absolute URL`);
  }
  if (url.username !== "" || url.password !== "") mismatch(`${what} must not carry userinfo`);
  return url;
}

function mismatch(reason: string): never {
  throw new SigilError("ERR_ATTESTATION_MISMATCH", reason);
}
