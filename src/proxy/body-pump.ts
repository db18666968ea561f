/**
 * Moving a response body from the upstream to the agent, masking credentials on the way
 * (redact.ts). Two shapes:
 *
 * - `sendWhole`: the body arrived with its head (most API responses): masked in one pass and
 *   written with the head as one write, so the agent gets one TLS record and no empty write.
 * - `pumpBody`: anything else, chunk by chunk with back-pressure and an idle timeout. The head
 *   leaves with the first chunk; only when no chunk comes by the next turn of the event loop (long
 *   poll, slow SSE) is it flushed alone, so the agent sees the status without waiting. When the
 *   body's length is known, its last chunk leaves with the end of the response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable, Transform } from "node:stream";
import type { OutcomeError } from "../errors.js";
import type { Redactor } from "./redact.js";

/** How the body went: the error when it did not complete, and the upstream bytes read. */
export interface Pumped {
  error?: OutcomeError;
  bytesOut: number;
}

/** Sends a response whose body is already whole in `upstream`'s buffer; resolves when done. */
export function sendWhole(
  upstream: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: string[],
  redactor: Redactor,
): Promise<Pumped> {
  upstream.on("error", ignore); // the exchange is over: a late socket error concerns no one
  const body = upstream.read() as Buffer | null; // all of it, and 'end' follows on its own
  const bytesOut = body ? body.length : 0;
  if (body) redactor.scan(body, true); // ours alone (a fresh read): masked in place
  if (res.destroyed) return Promise.resolve({ error: "ERR_CLIENT_ABORTED", bytesOut });
  return new Promise((resolve) => {
    res.once("close", () =>
      resolve(res.writableFinished ? { bytesOut } : { error: "ERR_CLIENT_ABORTED", bytesOut }),
    );
    res.writeHead(status, headers);
    res.end(body ?? undefined);
  });
}

export interface PumpOptions {
  status: number;
  /** Response headers for the agent, already filtered and masked. */
  headers: string[];
  redactor: Redactor;
  /** Longest wait for the next upstream chunk. */
  idleMs: number;
  /** Bytes `source` will deliver, when known (Node's parser checked it); else -1. */
  length: number;
}

/**
 * Streams `source` (the upstream response, or the last of its `decoders`) to `res`. Resolves with
 * an error code when the stream failed, none when it completed.
 */
export function pumpBody(
  upstream: IncomingMessage,
  source: Readable,
  decoders: readonly Transform[],
  res: ServerResponse,
  o: PumpOptions,
): Promise<Pumped> {
  return new Promise((resolve) => {
    let bytesOut = 0;
    let settled = false;
    let headSent = false;
    const masker = o.redactor.masker();
    let remaining = o.length;
    const idle = setTimeout(() => finish("ERR_UPSTREAM_IDLE_TIMEOUT"), o.idleMs);
    function finish(error?: OutcomeError) {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      if (error) {
        upstream.destroy();
        res.destroy();
      }
      resolve(error ? { error, bytesOut } : { bytesOut });
    }
    function head() {
      if (headSent) return;
      headSent = true;
      res.writeHead(o.status, o.headers);
    }
    if (res.destroyed) return finish("ERR_CLIENT_ABORTED");
    const counted = (chunk: Buffer) => {
      bytesOut += chunk.length;
      idle.refresh();
    };
    if (source !== upstream) upstream.on("data", counted);
    source.on("data", (chunk: Buffer) => {
      if (source === upstream) counted(chunk);
      let last = false;
      if (remaining >= 0) {
        remaining -= chunk.length;
        last = remaining <= 0;
      }
      const out = masker.next(chunk, last);
      head(); // before the first write: Node sends the head and the chunk together
      if (last) {
        res.end(out);
        return;
      }
      if (out.length > 0 && !res.write(out)) source.pause(); // resumed by the one drain listener
    });
    source.on("end", () => {
      if (res.writableEnded) return;
      head();
      const tail = masker.end();
      res.end(tail.length > 0 ? tail : undefined);
    });
    upstream.on("error", () => finish("ERR_UPSTREAM_FAILED"));
    upstream.on("aborted", () => finish("ERR_UPSTREAM_FAILED"));
    for (const d of decoders) d.on("error", () => finish("ERR_UPSTREAM_FAILED"));
    res.on("drain", () => {
      if (!settled) source.resume();
    });
    res.on("finish", () => finish());
    res.on("close", () => {
      if (!res.writableFinished) finish("ERR_CLIENT_ABORTED");
    });
    if (upstream.readableLength === 0 && !upstream.complete) {
      setImmediate(() => {
        if (headSent || settled || res.destroyed) return;
        head();
        res.flushHeaders();
      });
    }
  });
}

function ignore(): void {}
