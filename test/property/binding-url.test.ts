/**
 * checkIntentBinding compares URLs with one parse when the intent's url is the request's text
 * (issue #12). The comparison it replaced, kept here as the oracle, always parsed both: for any
 * pair of URLs (equal text, equal after parsing, or not) the verdict and reason must not change.
 * fast-check prints the seed on failure.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { it } from "node:test";
import fc from "fast-check";
import { checkIntentBinding } from "../../src/attestation/binding.js";
import { encodeBase64url } from "../../src/attestation/base64url.js";
import type { VerifiedAttestation } from "../../src/attestation/verify.js";
import { canonicalize, pgCommit } from "../../src/canonical-json.js";
import { SigilError } from "../../src/errors.js";

const RUNS = { numRuns: 1000, plugins: [fc.interruptAfterTimeLimit(10_000)] };

/** The previous compareUrls: both texts parsed, then compared part by part. */
function oracleCompareUrls(intentUrl: string, liveUrl: string): string {
  const parse = (text: string, what: string): URL | string => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `${what} is not an absolute URL`;
    }
    if (url.username !== "" || url.password !== "") return `${what} must not carry userinfo`;
    return url;
  };
  const intent = parse(intentUrl, "intent url");
  if (typeof intent === "string") return intent;
  const live = parse(liveUrl, "request url");
  if (typeof live === "string") return live;
  if (intent.protocol !== live.protocol) return "intent url scheme differs from the request";
  if (intent.hostname !== live.hostname) return "intent url host differs from the request";
  if (intent.port !== live.port) return "intent url port differs from the request";
  if (intent.pathname !== live.pathname) return "intent url path differs from the request";
  if (intent.search !== live.search) return "intent url query differs from the request";
  return "verified";
}

/** The binding's verdict for an intent naming `intentUrl`, on a GET to `liveUrl`. */
function outcome(intentUrl: string, liveUrl: string): string {
  const intent = { action: "http", method: "GET", url: intentUrl };
  const intentHash = createHash("sha256").update(pgCommit(intent)).digest("hex");
  const att = { intentHash } as VerifiedAttestation;
  const header = encodeBase64url(canonicalize(intent));
  try {
    return checkIntentBinding(header, att, { method: "GET", url: liveUrl }, "required").result;
  } catch (err) {
    if (err instanceof SigilError && err.code === "ERR_ATTESTATION_MISMATCH") return err.reason;
    throw err;
  }
}

const url = fc.oneof(
  fc.constantFrom(
    "https://api.example.com/v1/x?a=1",
    "HTTPS://API.example.com:443/v1/x?a=1",
    "https://api.example.com:8443/v1/x?a=1",
    "https://user:pw@api.example.com/v1/x?a=1",
    "https://@api.example.com/v1/x?a=1",
    "http://api.example.com/v1/x?a=1",
    "https://api.example.com/v1/./x?a=1",
    "https://api.example.com/v1/x?a=1#frag",
    "/v1/x?a=1",
    "not a url",
    "",
  ),
  fc.webUrl({
    withQueryParameters: true,
    withFragments: true,
    authoritySettings: { withUserInfo: true, withPort: true, withIPv4: true, withIPv6: true },
  }),
);

/** The same text, another URL, or the same text with one character changed (same length). */
const pair = fc.oneof(
  url.map((a) => [a, a] as const),
  fc.tuple(url, url),
  fc
    .tuple(url, fc.nat(), fc.constantFrom("A", "a", "/", ".", "?", ":", "@", "%", "#", "1"))
    .map(([a, at, c]) => {
      const i = at % Math.max(a.length, 1);
      return [a, a.slice(0, i) + c + a.slice(i + 1)] as const;
    }),
);

it("the url comparison gives the verdict and reason of the one it replaced", () => {
  fc.assert(
    fc.property(pair, ([a, live]) => {
      assert.equal(outcome(a, live), oracleCompareUrls(a, live), `${a} vs ${live}`);
    }),
    RUNS,
  );
});
