/**
 * `GET /v1/{name}:access` on Secret Manager with our own HTTPS call, and the response checks:
 * the payload's CRC32C must match when the service sends one, and a refusal is summarised as
 * HTTP status + Google's `error.status` (its message is never echoed).
 * https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access
 */
import { request, type Agent } from "node:https";
import type { IncomingMessage } from "node:http";
import { SigilError } from "../../errors.js";
import { abortError } from "../abort.js";
import { crc32c } from "./crc32c.js";

export interface AccessRequest {
  backend: string;
  endpoint: URL;
  /** `projects/<p>/secrets/<s>/versions/<v>`, already validated. */
  name: string;
  token: string;
  agent: Agent;
  signal: AbortSignal;
}

/** Secret Manager payloads are at most 64 KiB; base64 and the envelope stay far below this. */
const MAX_BODY = 1 << 20;

/** The decoded payload (a Buffer the caller owns); rejects with a SigilError. */
export async function accessSecretVersion(req: AccessRequest): Promise<Buffer> {
  const url = new URL(`v1/${req.name}:access`, withSlash(req.endpoint));
  const { status, body } = await get(url, req);
  try {
    if (status !== 200) throw refusal(req.backend, status, body);
    return decodePayload(body, req.backend);
  } finally {
    body.fill(0);
  }
}

/** Thrown for 401 so the caller can drop its cached access token. */
export class UnauthenticatedError extends SigilError {}

function get(url: URL, req: AccessRequest): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(
        req.signal.aborted
          ? abortError(req.signal.reason, `backend ${req.backend} did not answer in time`)
          : new SigilError("ERR_BACKEND_FAILED", `backend ${req.backend}: ${why}`),
      );
    const out = request(
      url,
      {
        method: "GET",
        agent: req.agent,
        signal: req.signal,
        headers: { authorization: `Bearer ${req.token}`, accept: "application/json" },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) {
            [...chunks, chunk].forEach((c) => c.fill(0));
            res.destroy();
            return fail("Secret Manager response too large");
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          chunks.forEach((c) => c.fill(0));
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on("error", () => fail("Secret Manager response was cut off"));
      },
    );
    out.on("error", () => fail("Secret Manager could not be reached"));
    out.end();
  });
}

function refusal(backend: string, status: number, body: Buffer): SigilError {
  const googleStatus = errorStatus(body);
  const reason = `backend ${backend}: Secret Manager answered HTTP ${status}${googleStatus}`;
  return status === 401
    ? new UnauthenticatedError("ERR_BACKEND_FAILED", reason)
    : new SigilError("ERR_BACKEND_FAILED", reason);
}

/** Google's `{"error":{"code","message","status"}}` → " NOT_FOUND", or "" when absent. */
function errorStatus(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { error?: { status?: unknown } };
    const s = parsed.error?.status;
    return typeof s === "string" && /^[A-Z_]{1,40}$/.test(s) ? ` ${s}` : "";
  } catch {
    return "";
  }
}

function decodePayload(body: Buffer, backend: string): Buffer {
  const fail = (why: string) =>
    new SigilError("ERR_BACKEND_FAILED", `backend ${backend}: Secret Manager ${why}`);
  let payload: { data?: unknown; dataCrc32c?: unknown } | undefined;
  try {
    payload = (JSON.parse(body.toString("utf8")) as { payload?: typeof payload }).payload;
  } catch {
    throw fail("response is not JSON");
  }
  if (typeof payload?.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload.data)) {
    throw fail("response has no base64 payload.data");
  }
  const data = Buffer.from(payload.data, "base64");
  const expected = payload.dataCrc32c;
  if (expected === undefined) return data;
  if (!/^\d{1,10}$/.test(String(expected)) || Number(expected) !== crc32c(data)) {
    data.fill(0);
    throw fail("payload failed its CRC32C check");
  }
  return data;
}

function withSlash(u: URL): URL {
  return u.pathname.endsWith("/") ? u : new URL(`${u.href}/`);
}
