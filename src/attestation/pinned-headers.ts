/**
 * Request headers an intent pins (issue 14, beyond spec §5.4): `metadata.headers`, lower-case
 * names to exact values, inside Sign's closed intent schema. Method, URL and body hash do not say
 * which operation a signed request performs — for AWS JSON services `X-Amz-Target` does — so the
 * injector names the agent-sent headers it signs and each of them must be pinned too.
 */
import { SigilError } from "../errors.js";
import type { LiveHeaders } from "../live-headers.js";

// RFC 9110 §5.6.2 token, lower-case only: the names as Vault sees them on the request.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * Every pinned header must be on the request exactly once with exactly the pinned value; every
 * header `mustPin` names (the route's injector signs it) must be pinned.
 */
export function checkPinnedHeaders(
  intent: Readonly<Record<string, unknown>>,
  headers: LiveHeaders,
  mustPin?: (name: string, value: string | readonly string[]) => boolean,
): void {
  const pinned = readPinnedHeaders(intent);
  for (const [name, value] of pinned) {
    const sent = headers[name];
    if (sent === undefined) mismatch(`header ${name} is pinned in the intent but not sent`);
    if (typeof sent !== "string") mismatch(`pinned header ${name} is sent more than once`);
    if (sent !== value) mismatch(`header ${name} differs from the value pinned in the intent`);
  }
  if (mustPin === undefined) return;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && mustPin(name, value) && !pinned.has(name)) {
      mismatch(
        `header ${name} is signed on this route but not pinned in the intent's metadata.headers`,
      );
    }
  }
}

function readPinnedHeaders(intent: Readonly<Record<string, unknown>>): Map<string, string> {
  const pinned = new Map<string, string>();
  const metadata = intent.metadata;
  if (metadata === undefined) return pinned;
  if (!isObject(metadata)) invalid("intent metadata must be an object");
  const headers = metadata.headers;
  if (headers === undefined) return pinned;
  if (!isObject(headers)) invalid("intent metadata.headers must be an object");
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      invalid("intent metadata.headers names must be lower-case header names");
    }
    if (typeof value !== "string") invalid(`intent metadata.headers.${name} must be a string`);
    pinned.set(name, value);
  }
  return pinned;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(reason: string): never {
  throw new SigilError("ERR_ATTESTATION_INVALID", reason);
}

function mismatch(reason: string): never {
  throw new SigilError("ERR_ATTESTATION_MISMATCH", reason);
}
