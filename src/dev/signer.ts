/**
 * A local stand-in for Sigil Sign (spec §12): serves the dev key's JWKS and answers
 * `POST /v1/authorize` exactly as Sign's API does (docs/agents.md): Bearer `sk_sigil_…` API key,
 * Sign's closed request schema, `ALLOWED` with an intent attestation and a decision record, or
 * `DENIED` with a `SIGIL_*` code — so agent code written against it runs unchanged against Sign.
 * It evaluates no policy, so it must never be an anchor outside development.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pgCommit } from "../canonical-json.js";
import { parseJsonObjectBytes, StrictJsonError } from "../attestation/strict-json.js";
import { devKeyInfo, type DevKey } from "./keys.js";
import { authorizeRequest, describeIssue } from "./sign-schema.js";
import { signAttestation, signDecisionRecord } from "./token.js";

/** Options for `createDevSigner`. */
export interface DevSignerOptions {
  key: DevKey;
  /** Clock for `iat`; default `Date.now`. */
  nowMs?: () => number;
  /** The one API key accepted; default any `sk_sigil_test_…` key (Sign's test keys). */
  apiKey?: string;
}

/** A node:http request handler; pass it to `http.createServer`. */
export type DevSignerHandler = (req: IncomingMessage, res: ServerResponse) => void;

export const SOF_VERSION = "sigil-attestations-v1";
/** Sign's request body limit. */
const MAX_BODY_BYTES = 100 * 1000;
const TEST_KEY = /^sk_sigil_test_[A-Za-z0-9_-]{1,200}$/;

/** A refusal in Sign's shape: `{status:"DENIED", error_code, message, intent_attestation:null}`. */
class Denied extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
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
    if (path === "/.well-known/jwks.json" || path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD")
        return sendMethodNotAllowed(res, "GET, HEAD");
      res.setHeader("Cache-Control", "no-store");
      return send(res, 200, path === "/healthz" ? '{"status":"ok"}' : jwks);
    }
    if (path !== "/v1/authorize")
      return sendError(res, new Denied(404, "SIGIL_NOT_FOUND", "not found"));
    if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
    if (!acceptsApiKey(req.headers.authorization, options.apiKey)) {
      req.resume();
      return sendError(
        res,
        new Denied(
          401,
          "SIGIL_AUTH_INVALID_TOKEN",
          "missing or invalid API key (Bearer sk_sigil_…)",
        ),
      );
    }
    readBody(req)
      .then((body) => send(res, 200, JSON.stringify(authorize(options.key, body, nowMs()))))
      .catch((err: unknown) => sendError(res, err));
  };
}

function acceptsApiKey(header: string | undefined, configured: string | undefined): boolean {
  const m = /^Bearer (\S+)$/.exec(header ?? "");
  if (!m) return false;
  const given = m[1] as string;
  if (configured === undefined) return TEST_KEY.test(given);
  const a = Buffer.from(given);
  const b = Buffer.from(configured);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Validates Sign's request schema and signs; throws Denied (400) for anything malformed. */
function authorize(key: DevKey, body: Buffer, nowMs: number): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    json = parseJsonObjectBytes(body);
  } catch (err) {
    if (err instanceof StrictJsonError) {
      throw new Denied(400, "SIGIL_VALIDATION_INVALID_JSON", `request body ${err.message}`);
    }
    throw err;
  }
  const parsed = authorizeRequest.safeParse(json);
  if (!parsed.success) {
    throw new Denied(400, "SIGIL_VALIDATION_SCHEMA", describeIssue(parsed.error));
  }
  const { agentId, framework, txCommit, request_nonce } = parsed.data;
  // Hash what the client sent, not zod's copy of it.
  if (pgCommit(json.intent) !== txCommit) {
    throw new Denied(400, "SIGIL_VALIDATION_TX_COMMIT", "txCommit is not pg-commit-v1 of intent");
  }
  const iat = Math.floor(nowMs / 1000);
  const request = { agentId, framework, txCommit, iat };
  return {
    status: "ALLOWED",
    intent_attestation: signAttestation(key, request),
    decision_record: signDecisionRecord(key, {
      ...request,
      ...(request_nonce ? { requestNonce: request_nonce } : {}),
    }),
    message: "dev signer: allowed without policy evaluation (development only)",
  };
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
        reject(new Denied(413, "SIGIL_VALIDATION_BODY_TOO_LARGE", "request body exceeds 100 kB"));
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
  sendError(res, new Denied(405, "SIGIL_METHOD_NOT_ALLOWED", "method not allowed"));
}

function sendError(res: ServerResponse, err: unknown): void {
  const denied =
    err instanceof Denied ? err : new Denied(500, "SIGIL_INTERNAL_ERROR", "internal error");
  if (denied.status === 413) res.setHeader("Connection", "close");
  const body = {
    status: "DENIED",
    error_code: denied.code,
    message: denied.message,
    intent_attestation: null,
  };
  send(res, denied.status, JSON.stringify(body));
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body);
}
