/**
 * Vault's reply envelopes: every success carries request_id, lease_id, renewable, lease_duration,
 * data, wrap_info, warnings and auth; every failure is `{"errors":[...]}` (`[]` for a plain 404).
 * https://developer.hashicorp.com/vault/api-docs#http-status-codes
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";

export interface Envelope {
  data?: unknown;
  auth?: unknown;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

export function sendOk(res: ServerResponse, env: Envelope, status = 200): void {
  sendJson(res, status, {
    request_id: randomUUID(),
    lease_id: env.lease_id ?? "",
    renewable: env.renewable ?? false,
    lease_duration: env.lease_duration ?? 0,
    data: env.data ?? null,
    wrap_info: null,
    warnings: null,
    auth: env.auth ?? null,
  });
}

export function sendErrors(res: ServerResponse, status: number, errors: string[] = []): void {
  sendJson(res, status, { errors });
}

export const denied = (res: ServerResponse) => sendErrors(res, 403, ["permission denied"]);
export const notFound = (res: ServerResponse) => sendErrors(res, 404, []);
export const badRequest = (res: ServerResponse, message: string) => sendErrors(res, 400, [message]);
export const noContent = (res: ServerResponse) => void res.writeHead(204).end();

/** "5m", "300s", "1h" or a bare number of seconds, as Vault's duration fields accept. */
export function parseDurationSeconds(v: unknown, fallback: number): number {
  if (typeof v === "number") return v;
  if (typeof v !== "string" || v === "") return fallback;
  const m = /^(\d+)([smhd]?)$/.exec(v);
  if (!m) return fallback;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}
