/**
 * AWS Signature Version 4 with node:crypto, synchronously (injectors run synchronously; the SDK's
 * signer is async). The secret key stays in Buffers: every derived key is zeroed after use.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { createHash, createHmac } from "node:crypto";
import { canonicalHeaderValue, canonicalQuery, canonicalUri } from "./canonical.js";

export const ALGORITHM = "AWS4-HMAC-SHA256";

/** What is signed: the request as it will be sent, headers lower-case (Host given separately). */
export interface SignableRequest {
  method: string;
  /** Path plus query as on the request line. */
  path: string;
  host: string;
  headers: Readonly<Record<string, string | readonly string[]>>;
}

/** Where the signature is valid: the credential scope's service and region. */
export interface SigningScope {
  service: string;
  region: string;
  /** S3 family: path encoded once, not normalised. */
  s3: boolean;
}

/** `20150830T123600Z` — the `X-Amz-Date` format. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * The headers that get signed: Host, Content-Type, Content-MD5 and every `x-amz-*` header — what
 * AWS requires, and nothing a hop between here and the service might rewrite.
 */
export function signedHeaderNames(headers: SignableRequest["headers"]): string[] {
  const names = Object.keys(headers).filter(
    (n) => n === "content-type" || n === "content-md5" || n.startsWith("x-amz-"),
  );
  names.push("host");
  return names.sort();
}

export function canonicalRequest(
  req: SignableRequest,
  scope: SigningScope,
  signed: readonly string[],
  payloadHash: string,
): string {
  const q = req.path.indexOf("?");
  const rawPath = q < 0 ? req.path : req.path.slice(0, q);
  const rawQuery = q < 0 ? "" : req.path.slice(q + 1);
  const lines = signed.map(
    (n) => `${n}:${canonicalHeaderValue(n === "host" ? req.host : (req.headers[n] ?? ""))}\n`,
  );
  return [
    req.method.toUpperCase(),
    canonicalUri(rawPath, scope.s3),
    canonicalQuery(rawQuery),
    lines.join(""),
    signed.join(";"),
    payloadHash,
  ].join("\n");
}

/**
 * The `Authorization` value for `req`, which must already carry `x-amz-date` (and the session
 * token / content hash headers when used). `secretAccessKey` is read, never kept.
 */
export function authorization(
  req: SignableRequest,
  scope: SigningScope,
  payloadHash: string,
  accessKeyId: string,
  secretAccessKey: Buffer,
): string {
  const date = req.headers["x-amz-date"];
  if (typeof date !== "string") throw new Error("x-amz-date must be set before signing");
  const credentialScope = `${date.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
  const signed = signedHeaderNames(req.headers);
  const stringToSign = [
    ALGORITHM,
    date,
    credentialScope,
    sha256Hex(canonicalRequest(req, scope, signed, payloadHash)),
  ].join("\n");
  const key = signingKey(secretAccessKey, date.slice(0, 8), scope);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  key.fill(0);
  return `${ALGORITHM} Credential=${accessKeyId}/${credentialScope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
function signingKey(secret: Buffer, day: string, scope: SigningScope): Buffer {
  let key = Buffer.concat([Buffer.from("AWS4", "latin1"), secret]);
  for (const part of [day, scope.region, scope.service, "aws4_request"]) {
    const next = createHmac("sha256", key).update(part, "utf8").digest();
    key.fill(0);
    key = next;
  }
  return key;
}
