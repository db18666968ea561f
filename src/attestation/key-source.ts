/**
 * Fetches key material for trust anchors: a JWKS over HTTP(S) or from a file. Reads are bounded in
 * time and size and redirects are never followed, so a hostile or broken key endpoint cannot stall
 * or exhaust the proxy. The fingerprint check happens after this, in keys.ts.
 */
import { open } from "node:fs/promises";
import { SigilError } from "../errors.js";
import { JWKS_MAX_BYTES } from "./jwk.js";

/** Injected I/O for loading keys; defaults are the global `fetch` and a size-capped file read. */
export interface KeySourceDeps {
  fetch?: typeof globalThis.fetch;
  readFile?: (path: string) => Promise<Uint8Array>;
  /** Whole-fetch timeout (connect, headers and body); default 3000 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;
const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** GETs a JWKS URL: https (or http to a loopback host), 200 only, no redirects, ≤ 64 KiB. */
export async function fetchJwksBytes(url: string, deps: KeySourceDeps = {}): Promise<Uint8Array> {
  checkJwksUrl(url);
  const where = `JWKS URL ${shownUrl(url)}`;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = deps.fetch ?? globalThis.fetch;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await doFetch(url, {
      redirect: "manual",
      signal,
      headers: { accept: "application/jwk-set+json, application/json" },
    });
    if (res.status >= 300 && res.status < 400) {
      throw anchorError(`${where} answered with a redirect; redirects are not followed`);
    }
    if (res.status !== 200) throw anchorError(`${where} answered HTTP ${res.status}`);
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > JWKS_MAX_BYTES) throw anchorError(`${where}: JWKS exceeds 64 KiB`);
    return await readCappedBody(res);
  } catch (err) {
    if (err instanceof SigilError) throw err;
    if (signal.aborted) throw anchorError(`${where} did not answer within ${timeoutMs} ms`);
    throw anchorError(`${where} could not be fetched: ${fetchCause(err)}`);
  }
}

/** Reads a JWKS file, refusing files larger than 64 KiB. */
export async function readJwksFile(path: string, deps: KeySourceDeps = {}): Promise<Uint8Array> {
  try {
    const bytes = await (deps.readFile ?? readCapped)(path);
    if (bytes.length > JWKS_MAX_BYTES) throw anchorError("JWKS exceeds 64 KiB");
    return bytes;
  } catch (err) {
    if (err instanceof SigilError) throw err;
    throw anchorError("JWKS file could not be read");
  }
}

function checkJwksUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw anchorError("JWKS URL is not a valid URL");
  }
  if (url.username !== "" || url.password !== "")
    throw anchorError("JWKS URL must not carry userinfo");
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return;
  throw anchorError("JWKS URL must be https (plain http only to a loopback address)");
}

/** The URL without its query or fragment, which could carry an access token. */
function shownUrl(text: string): string {
  const url = new URL(text);
  return `${url.origin}${url.pathname}${url.search || url.hash ? "?…" : ""}`;
}

/**
 * Why fetch failed, in one line: undici wraps the socket or TLS error (ECONNREFUSED, ENOTFOUND,
 * a certificate problem) in `cause`; its message names the address or the TLS reason, no secret.
 */
function fetchCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const e = cause as { code?: unknown; message?: unknown };
  const message = typeof e.message === "string" ? e.message.split("\n")[0]!.slice(0, 200) : "";
  const code = typeof e.code === "string" ? e.code : "";
  if (message && code && !message.includes(code)) return `${message} (${code})`;
  return message || code || "unknown error";
}

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || IPV4_LOOPBACK.test(hostname);
}

async function readCappedBody(res: Response): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > JWKS_MAX_BYTES) {
      await reader.cancel();
      throw anchorError("JWKS exceeds 64 KiB");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

async function readCapped(path: string): Promise<Uint8Array> {
  const file = await open(path, "r");
  try {
    const buf = Buffer.alloc(JWKS_MAX_BYTES + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await file.read(buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total === buf.length) break;
    }
    return buf.subarray(0, total);
  } finally {
    await file.close();
  }
}

function anchorError(reason: string): SigilError {
  return new SigilError("ERR_TRUST_ANCHOR", reason);
}
