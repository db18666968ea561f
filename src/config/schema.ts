/**
 * The on-disk configuration (`<home>/config.json`): human-readable JSON with a schema version,
 * validated in full on every load. Keys are snake_case on disk; `compile.ts` turns a validated file
 * into the camelCase runtime `Config` once, so nothing on the request path re-parses it.
 */
import { z } from "zod";

export const CONFIG_VERSION = 1;

const fingerprint = z.string().regex(/^sha256:([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43})$/, {
  message: 'fingerprint must be "sha256:<64 hex>" or "sha256:<base64url thumbprint>"',
});

/** A pinned trust anchor: kid + fingerprint, and where its key material comes from. */
export const anchorSchema = z
  .object({
    kid: z.string().min(1).max(256),
    fingerprint,
    issuers: z.array(z.string().min(1)).min(1),
    audience: z.string().min(1),
    jwks_url: z.string().url().optional(),
    jwks_file: z.string().min(1).optional(),
    jwk: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine(
    (a) => [a.jwks_url, a.jwks_file, a.jwk].filter((s) => s !== undefined).length === 1,
    "an anchor needs exactly one of jwks_url, jwks_file, jwk",
  );

/** An agent identity. Only the SHA-256 of its token is ever stored. */
export const agentSchema = z
  .object({
    id: z.string().regex(/^agt_[A-Za-z0-9_-]{8,64}$/),
    name: z.string().min(1).max(128),
    token_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    created_at: z.string(),
    revoked_at: z.string().optional(),
  })
  .strict();

export const backendSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    kind: z.string(),
    options: z.record(z.string(), z.string()),
  })
  .strict();

export const routeSchema = z
  .object({
    id: z.string().regex(/^rt_[A-Za-z0-9_-]{8,64}$/),
    agent_id: z.string(),
    host: z.string().min(1),
    path: z.string().min(1),
    methods: z.array(z.string().regex(/^[A-Z]{1,16}$/)).optional(),
    backend: z.string(),
    secret: z.string().optional(),
    inject: z.string().min(1),
    /** §5.4 binding; `required` unless the route opts out (doctor warns about opt-outs). */
    binding: z.enum(["off", "optional", "required"]).default("required"),
    upstream_ca: z.string().optional(),
    /** File holding an inline IAM session policy applied to each release (aws-sts). */
    session_policy: z.string().optional(),
    allow_plaintext: z.boolean().optional(),
    /** AWS operations the route allows (aws-sigv4 only): names or full X-Amz-Target values. */
    aws_operations: z.array(z.string()).optional(),
    /** Agent-sent headers let through although they usually carry API keys (see inject/agent-credentials.ts). */
    keep_headers: z
      .array(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/))
      .max(16)
      .optional(),
  })
  .strict();

export const proxySchema = z
  .object({
    listen: z.string().optional(),
    /** Deadline from request head to upstream response head; at most 5000 (spec §3). */
    deadline_ms: z.number().int().min(100).max(5000).optional(),
    /** Allowed clock skew for attestation `iat`; at most 30 s (spec §5.2). */
    skew_seconds: z.number().int().min(0).max(30).optional(),
    /** Largest body buffered for `body_sha256` binding (spec §5.4), default 10 MiB. */
    max_body_bytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024 * 1024)
      .optional(),
    /** All request bodies buffered at once, across requests, default 64 MiB; 503 beyond. */
    max_buffered_body_bytes: z
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024 * 1024)
      .optional(),
    /** Per-agent token bucket over requests, and the per-agent rate of individual deny records. */
    rate_limit: z
      .object({
        requests_per_second: z.number().min(1).max(1_000_000).optional(),
        burst: z.number().int().min(1).max(1_000_000).optional(),
        deny_records_per_second: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .optional(),
    /** Idle timeout for response bodies after the head arrived. */
    idle_timeout_ms: z.number().int().min(1000).max(3_600_000).optional(),
    /** Longest life of a WebSocket session or response stream, however busy (default 1 h). */
    max_session_ms: z.number().int().min(1000).max(604_800_000).optional(),
    /** Open CONNECT tunnels one agent may hold at once; the next CONNECT gets 429. */
    max_tunnels_per_agent: z.number().int().min(1).max(100_000).optional(),
    /** Time for a request head (CONNECT or inside a tunnel) to arrive complete (slowloris bound). */
    header_timeout_ms: z.number().int().min(1000).max(120_000).optional(),
    /** Host resolution overrides: "api.example.com:443" → "127.0.0.1:8443". */
    resolve: z.record(z.string(), z.string()).optional(),
    /** "memory" (default) or a redis:// URL shared by a fleet (spec §10). */
    replay_store: z.string().optional(),
    /** "HOST:PORT" of the read-only dashboard and /metrics; off when absent (docs/dashboard.md). */
    dashboard: z.string().optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    version: z.literal(CONFIG_VERSION),
    proxy: proxySchema.default({}),
    anchors: z.array(anchorSchema).default([]),
    agents: z.array(agentSchema).default([]),
    backends: z.array(backendSchema).default([]),
    routes: z.array(routeSchema).default([]),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type AnchorEntry = z.infer<typeof anchorSchema>;
export type AgentEntry = z.infer<typeof agentSchema>;
export type BackendEntry = z.infer<typeof backendSchema>;
export type RouteEntry = z.infer<typeof routeSchema>;

export function emptyConfig(): ConfigFile {
  return { version: CONFIG_VERSION, proxy: {}, anchors: [], agents: [], backends: [], routes: [] };
}
