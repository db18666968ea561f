/**
 * `aws-sigv4[:service[:region]]` (spec §6): the agent's request is re-signed with the released
 * `accessKeyId`/`secretAccessKey`/`sessionToken`. Whatever signing headers the agent sent are
 * replaced; the payload hash comes from the buffered body. Chunk-signed streaming uploads and
 * presigned URLs are refused: their signatures chain from a key the agent never had.
 */
import { SigilError } from "../errors.js";
import type { Credential } from "../backends/backend.js";
import type { Injector, OutboundRequest } from "./injector.js";
import { percentDecode } from "./sigv4/canonical.js";
import { resolveScope } from "./sigv4/scope.js";
import { amzDate, authorization, sha256Hex, type SigningScope } from "./sigv4/sign.js";

const UNSIGNED = "UNSIGNED-PAYLOAD";
const SERVICE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9]{1,128}$/;
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
/** Query parameter names (decoded, lower-cased) that make a URL presigned. */
const PRESIGNED = new Set(["x-amz-signature", "x-amz-credential", "x-amz-algorithm"]);
/** Signing headers the injector removes and sets itself: the agent's values never get signed. */
const REPLACED = ["authorization", "x-amz-date", "x-amz-security-token"];

/**
 * Every other `x-amz-*` header the agent sends is signed as sent (sigv4/sign.ts signedHeaderNames),
 * except a payload hash: Vault writes the body's real one, and keeps the agent's value only when it
 * is UNSIGNED-PAYLOAD.
 */
export function signsAgentHeader(name: string, value: string | readonly string[]): boolean {
  if (!name.startsWith("x-amz-") || REPLACED.includes(name)) return false;
  return name !== "x-amz-content-sha256" || typeof value !== "string" || value === UNSIGNED;
}

/** `now` is injectable for tests; production signs with the wall clock. */
export function createAwsSigv4Injector(
  spec: string,
  arg: string,
  now: () => number = Date.now,
): Injector {
  const [service, region, ...extra] = arg === "" ? [] : arg.split(":");
  if (
    extra.length > 0 ||
    (service !== undefined && !SERVICE.test(service)) ||
    (region !== undefined && !REGION.test(region))
  ) {
    throw new SigilError(
      "ERR_USAGE",
      `inject "${spec}": expected aws-sigv4, aws-sigv4:SERVICE or aws-sigv4:SERVICE:REGION (lower-case)`,
    );
  }
  return {
    spec,
    requiredFields: ["accessKeyId", "secretAccessKey"],
    needsBody: true,
    signsHeader: signsAgentHeader,
    apply(req, cred) {
      const scope = resolveScope(req.host, service, region);
      if (!scope) {
        throw new SigilError(
          "ERR_BAD_REQUEST",
          `aws-sigv4 cannot infer the AWS service and region from host ${req.host}; name them in the route's --inject aws-sigv4:SERVICE:REGION`,
        );
      }
      const keyId = fieldText(cred, "accessKeyId", ACCESS_KEY_ID);
      const secret = field(cred, "secretAccessKey");
      const hasToken = (cred.fields.get("sessionToken")?.length ?? 0) > 0;
      const token = hasToken ? fieldText(cred, "sessionToken", TOKEN_CHARS) : undefined;
      const payloadHash = payloadHashFor(req, scope);
      for (const name of REPLACED) delete req.headers[name];
      req.headers["x-amz-date"] = amzDate(now());
      if (token !== undefined) req.headers["x-amz-security-token"] = token;
      const value = authorization(req, scope, payloadHash, keyId, secret);
      req.headers["authorization"] = value;
      // An echoed signature is replayable outside Vault until it expires (with UNSIGNED-PAYLOAD,
      // for any body): mask it, as hex and as raw bytes, like the credential.
      const signature = value.slice(value.lastIndexOf("=") + 1);
      (req.derivedSecrets ??= []).push(
        Buffer.from(value, "latin1"),
        Buffer.from(signature, "latin1"),
        Buffer.from(signature, "hex"),
      );
    },
  };
}

/**
 * The body's SHA-256, or `UNSIGNED-PAYLOAD` when the agent asked for it on S3 (the only family
 * that accepts it). Sets `x-amz-content-sha256` for S3 (required there) and wherever the agent sent
 * one; refuses aws-chunked streaming uploads and presigned query strings.
 */
function payloadHashFor(req: OutboundRequest, scope: SigningScope): string {
  const sent = req.headers["x-amz-content-sha256"];
  if (Array.isArray(sent)) throw badRequest("x-amz-content-sha256 was sent more than once");
  const encoding = String(req.headers["content-encoding"] ?? "").toLowerCase();
  if (
    (typeof sent === "string" && sent.toUpperCase().startsWith("STREAMING-")) ||
    encoding.includes("aws-chunked") ||
    req.headers["x-amz-decoded-content-length"] !== undefined
  ) {
    throw badRequest(
      "aws-sigv4 cannot re-sign a chunk-signed streaming upload (aws-chunked / STREAMING-*): send the body in one piece with its SHA-256 or UNSIGNED-PAYLOAD",
    );
  }
  if (isPresigned(req.path)) {
    throw badRequest("aws-sigv4 cannot re-sign a presigned URL: drop the X-Amz-* query parameters");
  }
  if (scope.s3 && sent === UNSIGNED) return UNSIGNED;
  if (req.body === undefined) {
    throw new SigilError("ERR_INTERNAL", "aws-sigv4 needs the buffered request body");
  }
  const hash = sha256Hex(req.body);
  if (scope.s3 || sent !== undefined) req.headers["x-amz-content-sha256"] = hash;
  return hash;
}

/** Names are compared decoded: `X-Amz-%53ignature` is `X-Amz-Signature` to the service. */
function isPresigned(pathWithQuery: string): boolean {
  const q = pathWithQuery.indexOf("?");
  if (q < 0) return false;
  return pathWithQuery
    .slice(q + 1)
    .split("&")
    .some((piece) => {
      const eq = piece.indexOf("=");
      const name = percentDecode(eq < 0 ? piece : piece.slice(0, eq));
      return PRESIGNED.has(name.toString("latin1").toLowerCase());
    });
}

function field(cred: Credential, name: string): Buffer {
  const buf = cred.fields.get(name);
  if (buf === undefined || buf.length === 0) {
    throw new SigilError("ERR_INJECTION_FAILED", `credential has no field "${name}"`);
  }
  return buf;
}

/** A credential field as header-safe text; the value is never named in the error. */
function fieldText(cred: Credential, name: string, shape: RegExp): string {
  const text = field(cred, name).toString("latin1");
  if (!shape.test(text)) {
    throw new SigilError(
      "ERR_INJECTION_FAILED",
      `credential field ${name} is not usable for SigV4`,
    );
  }
  return text;
}

function badRequest(reason: string): SigilError {
  return new SigilError("ERR_BAD_REQUEST", reason);
}
