/**
 * Sigil Sign's `POST /v1/authorize` request schema (OpenAPI 2.0.0), so the dev signer refuses
 * what Sign refuses: closed objects everywhere (`additionalProperties: false`), Sign's patterns
 * and limits. Anything Vault needs beyond Sign's intent fields (body hash, nonce, pinned headers)
 * travels in `intent.metadata`.
 */
import { z } from "zod";

const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;

const bodyProjection = z.strictObject({
  content_type: z.string().max(256),
  size_bytes: z.number().int().min(0),
  fields: z.array(z.string().max(256)).max(256).optional(),
});

/** Sign's intent: `action` plus the HTTP and on-chain fields it knows, nothing else. */
export const signIntent = z.strictObject({
  action: z.string().min(1).max(64),
  method: z.enum(METHODS).optional(),
  url: z.string().min(1).max(8192).optional(),
  host: z.string().min(1).max(255).optional(),
  path: z.string().max(8192).optional(),
  query: z.string().max(8192).optional(),
  body_projection: bodyProjection.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  task_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .max(128)
    .optional(),
  amount: z.union([z.string(), z.number()]).optional(),
  calldata: z.string().optional(),
  to: z.string().optional(),
  token: z.string().optional(),
  targetAddress: z.string().optional(),
  command: z.string().optional(),
  arguments: z.array(z.unknown()).optional(),
});

const delegation = z.strictObject({
  userId: z.string().min(1),
  grantId: z.string().min(1),
  scope: z.union([z.string(), z.array(z.string())]),
  issuer: z.string().optional(),
  expiresAt: z.union([z.string(), z.number()]).optional(),
});

/** The whole request body. */
export const authorizeRequest = z.strictObject({
  agentId: z.string().min(1).max(256),
  framework: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .max(64),
  txCommit: z.string().regex(/^[0-9a-f]{64}$/),
  intent: signIntent,
  chainId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  context: z.string().max(4096).optional(),
  request_nonce: z.uuid().optional(),
  delegation: delegation.optional(),
});

export type AuthorizeRequest = z.infer<typeof authorizeRequest>;

/** The first schema problem as `path: message`, for Sign-style `SIGIL_VALIDATION_*` answers. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const path = issue.path.length > 0 ? issue.path.join(".") : "body";
  return `${path}: ${issue.message}`;
}
