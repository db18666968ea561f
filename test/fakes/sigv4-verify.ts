/**
 * An independent SigV4 verifier for the fake AWS services, written from the AWS specification
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) and sharing no code
 * with src/inject/sigv4 or @smithy/signature-v4: the product's signer and the SDK's signer are
 * both checked against it. It answers with a reason code the fakes turn into their wire errors.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** A request as a server received it. */
export interface ReceivedRequest {
  method: string;
  /** The raw request target (`/path?query`). */
  url: string;
  /** Name/value pairs as received (node's `rawHeaders`). */
  rawHeaders: readonly string[];
  body: Buffer;
}

/** A key the fake account knows. */
export interface KnownKey {
  secretAccessKey: string;
  /** Present for temporary (STS-issued) keys: the request must carry this exact token. */
  sessionToken?: string;
}

export interface VerifyOptions {
  /** The service and region this endpoint signs for. */
  service: string;
  region: string;
  lookup(accessKeyId: string): KnownKey | undefined;
  nowMs: number;
  /** Default 5 minutes, as AWS allows. */
  maxSkewMs?: number;
}

export type VerifyFailure =
  | "MissingAuthentication"
  | "IncompleteSignature"
  | "UnknownAccessKey"
  | "InvalidSecurityToken"
  | "SignatureExpired"
  | "WrongScope"
  | "ContentSha256Mismatch"
  | "SignatureDoesNotMatch";

export type VerifyResult =
  | { ok: true; accessKeyId: string; signedHeaders: string[]; payloadHash: string }
  | { ok: false; reason: VerifyFailure; detail: string };

const S3_SERVICES = ["s3", "s3-object-lambda", "s3-outposts"];

export function verifySigV4(req: ReceivedRequest, opts: VerifyOptions): VerifyResult {
  const headers = collectHeaders(req.rawHeaders);
  const auth = headers.get("authorization");
  if (auth === undefined) return fail("MissingAuthentication", "no Authorization header");
  const parsed = parseAuthorization(auth.join(","));
  if (typeof parsed === "string") return fail("IncompleteSignature", parsed);
  const [keyId, day, region, service, terminator] = parsed.credential.split("/");
  if (!keyId || !day || !region || !service || terminator !== "aws4_request") {
    return fail("IncompleteSignature", "malformed Credential");
  }
  const dateHeader = headers.get("x-amz-date")?.[0];
  if (dateHeader === undefined || !/^\d{8}T\d{6}Z$/.test(dateHeader)) {
    return fail("IncompleteSignature", "missing or malformed X-Amz-Date");
  }
  if (!parsed.signedHeaders.includes("host") || !parsed.signedHeaders.includes("x-amz-date")) {
    return fail("SignatureDoesNotMatch", "host and x-amz-date must be signed");
  }
  if (dateHeader.slice(0, 8) !== day || region !== opts.region || service !== opts.service) {
    return fail("WrongScope", `credential scope ${day}/${region}/${service} is not valid here`);
  }
  const signedAt = Date.UTC(
    +dateHeader.slice(0, 4),
    +dateHeader.slice(4, 6) - 1,
    +dateHeader.slice(6, 8),
    +dateHeader.slice(9, 11),
    +dateHeader.slice(11, 13),
    +dateHeader.slice(13, 15),
  );
  if (Math.abs(opts.nowMs - signedAt) > (opts.maxSkewMs ?? 300_000)) {
    return fail("SignatureExpired", "signature expired or not yet current");
  }
  const known = opts.lookup(keyId);
  if (!known) return fail("UnknownAccessKey", "unknown access key");
  const token = headers.get("x-amz-security-token")?.join(",");
  if (token !== known.sessionToken) return fail("InvalidSecurityToken", "security token invalid");

  const s3 = S3_SERVICES.includes(service);
  const bodyHash = createHash("sha256").update(req.body).digest("hex");
  const declared = headers.get("x-amz-content-sha256")?.[0];
  let payloadHash = bodyHash;
  if (declared === "UNSIGNED-PAYLOAD" && s3) payloadHash = declared;
  else if (declared !== undefined && declared !== bodyHash) {
    return fail("ContentSha256Mismatch", "x-amz-content-sha256 does not match the body");
  }
  if (s3 && declared === undefined) {
    return fail("IncompleteSignature", "S3 requires x-amz-content-sha256");
  }
  for (const name of parsed.signedHeaders) {
    if (!headers.has(name)) return fail("SignatureDoesNotMatch", `signed header ${name} missing`);
  }
  const [rawPath = "", rawQuery = ""] = splitTarget(req.url);
  let canonicalPath: string;
  let canonicalQuery: string;
  try {
    canonicalPath = s3 ? s3Path(rawPath) : doubleEncodedPath(rawPath);
    canonicalQuery = sortedQuery(rawQuery);
  } catch {
    return fail("SignatureDoesNotMatch", "undecodable path or query");
  }
  const canonical = [
    req.method,
    canonicalPath,
    canonicalQuery,
    parsed.signedHeaders.map((h) => `${h}:${headerValue(headers.get(h) ?? [])}\n`).join(""),
    parsed.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const toSign = `AWS4-HMAC-SHA256\n${dateHeader}\n${day}/${region}/${service}/aws4_request\n${createHash("sha256").update(canonical).digest("hex")}`;
  let key: Buffer = Buffer.from("AWS4" + known.secretAccessKey, "utf8");
  for (const part of [day, region, service, "aws4_request"]) {
    key = createHmac("sha256", key).update(part).digest();
  }
  const expected = createHmac("sha256", key).update(toSign).digest();
  const given = Buffer.from(parsed.signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail("SignatureDoesNotMatch", "signature mismatch");
  }
  return { ok: true, accessKeyId: keyId, signedHeaders: parsed.signedHeaders, payloadHash };
}

function fail(reason: VerifyFailure, detail: string): VerifyResult {
  return { ok: false, reason, detail };
}

function collectHeaders(raw: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    map.set(name, [...(map.get(name) ?? []), raw[i + 1]!]);
  }
  return map;
}

interface ParsedAuthorization {
  credential: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | string {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(value.trim());
  if (!m) return "unsupported authorization scheme";
  const parts: Record<string, string> = {};
  for (const item of m[1]!.split(",")) {
    const eq = item.indexOf("=");
    if (eq > 0) parts[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  const { Credential, SignedHeaders, Signature } = parts;
  if (!Credential || !SignedHeaders || !Signature || !/^[0-9a-f]{64}$/.test(Signature)) {
    return "Authorization must carry Credential, SignedHeaders and a hex Signature";
  }
  const signedHeaders = SignedHeaders.split(";");
  const sorted = [...signedHeaders].sort();
  if (sorted.join(";") !== SignedHeaders || signedHeaders.some((h) => h !== h.toLowerCase())) {
    return "SignedHeaders must be lower-case and sorted";
  }
  return { credential: Credential, signedHeaders, signature: Signature };
}

function splitTarget(url: string): string[] {
  const q = url.indexOf("?");
  return q < 0 ? [url, ""] : [url.slice(0, q), url.slice(q + 1)];
}

/** RFC 3986 unreserved only: encodeURIComponent also leaves ! ' ( ) * alone, AWS does not. */
function awsEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function s3Path(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => awsEscape(decodeURIComponent(segment)))
    .join("/");
}

function doubleEncodedPath(rawPath: string): string {
  const out: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(awsEscape(segment));
  }
  const tail = out.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return "/" + out.join("/") + tail;
}

function sortedQuery(rawQuery: string): string {
  return rawQuery
    .split("&")
    .filter((p) => p.length > 0)
    .map((p) => {
      const [name, ...rest] = p.split("=");
      return [awsEscape(decodeURIComponent(name!)), awsEscape(decodeURIComponent(rest.join("=")))];
    })
    .sort((a, b) => (a[0]! === b[0]! ? (a[1]! < b[1]! ? -1 : 1) : a[0]! < b[0]! ? -1 : 1))
    .map(([n, v]) => `${n}=${v}`)
    .join("&");
}

function headerValue(values: string[]): string {
  return values.map((v) => v.trim().split(/\s+/).join(" ")).join(",");
}
