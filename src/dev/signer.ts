/**
 * A local stand-in for Sigil Sign (spec §12): serves the dev key's JWKS and answers
 * `POST /v1/authorize` with an ALLOWED intent attestation for any well-formed request. It evaluates
 * no policy, so it must never be an anchor outside development.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pgCommit } from "../canonical-json.js";
import { parseJsonObjectBytes, StrictJsonError } from "../attestation/strict-json.js";
import { devKeyInfo, type DevKey } from "./keys.js";
import { signAttestation } from "./token.js";

/** Options for `createDevSigner`. */
export interface DevSignerOptions {
  key: DevKey;
  /** Clock for `iat`; default `Date.now`. */
  nowMs?: () => number;
}

/** A node:http request handler; pass it to `http.createServer`. */
export type DevSignerHandler = (req: IncomingMessage, res: ServerResponse) => void;

export const SOF_VERSION = "sigil-attestations-v1";
const MAX_BODY_BYTES = 64 * 1024;
const MAX_NAME_LENGTH = 256;
const TX_COMMIT = /^[0-9a-f]{64}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Creates the dev signer's request handler. */
export function createDevSigner(options: DevSignerOptions): DevSignerHandler {
  const nowMs = options.nowMs ?? Date.now;
  const jwks = JSON.stringify(devKeyInfo(options.key).jwks);
  return (req, res) => {
    res.setHeader("X-SOF-Version", SOF_VERSION);
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/.well-known/jwks.json") {
      if (req.method !== "GET" && req.method !== "HEAD")
        return sendMethodNotAllowed(res, "GET, HEAD");
      res.setHeader("Cache-Control", "no-store");
      return send(res, 200, jwks);
    }
    if (path !== "/v1/authorize") return sendError(res, new HttpError(404, "not found"));
    if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
    readBody(req)
      .then((body) => {
        const attestation = authorize(options.key, body, nowMs());
        send(
          res,
          200,
          JSON.stringify({
            status: "ALLOWED",
            intent_attestation: attestation,
            message: "dev signer: allowed without policy evaluation (development only)",
          }),
        );
      })
      .catch((err: unknown) => sendError(res, err));
  };
}

/** Validates Sign's request shape and signs; throws HttpError (400) for anything malformed. */
function authorize(key: DevKey, body: Buffer, nowMs: number): string {
  let req: Record<string, unknown>;
  try {
    req = parseJsonObjectBytes(body);
  } catch (err) {
    if (err instanceof StrictJsonError) throw new HttpError(400, `request body ${err.message}`);
    throw err;
  }
  const { agentId, framework, txCommit, intent, chainId } = req;
  if (!isName(agentId)) throw new HttpError(400, "agentId must be a non-empty string");
  if (!isName(framework)) throw new HttpError(400, "framework must be a non-empty string");
  if (typeof txCommit !== "string" || !TX_COMMIT.test(txCommit)) {
    throw new HttpError(400, "txCommit must be 64 lowercase hex characters");
  }
  if (chainId !== undefined && typeof chainId !== "number" && typeof chainId !== "string") {
    throw new HttpError(400, "chainId must be a number or a string");
  }
  if (intent !== undefined) {
    if (typeof intent !== "object" || intent === null || Array.isArray(intent)) {
      throw new HttpError(400, "intent must be a JSON object");
    }
    if (pgCommit(intent) !== txCommit) throw new HttpError(400, "txCommit is not pgCommit(intent)");
  }
  return signAttestation(key, { agentId, framework, txCommit, iat: Math.floor(nowMs / 1000) });
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume(); // discard the rest; the 413 goes out with Connection: close
        reject(new HttpError(413, "request body exceeds 64 KiB"));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("Allow", allow);
  sendError(res, new HttpError(405, "method not allowed"));
}

function sendError(res: ServerResponse, err: unknown): void {
  const known = err instanceof HttpError;
  const status = known ? err.status : 500;
  if (status === 413) res.setHeader("Connection", "close");
  const message = known ? err.message : "internal error";
  send(res, status, JSON.stringify({ status: "ERROR", message }));
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body);
}
