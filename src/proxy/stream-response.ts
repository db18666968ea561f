/**
 * Forwarding and streaming: the prepared request goes upstream, the response head must arrive
 * before the deadline, then the body streams to the agent chunk by chunk (SSE stays event by event)
 * under an idle timeout. The `outcome` record closes the request: status, bytes, duration, error.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable, Transform } from "node:stream";
import { responseDecoders, withoutEncodingHeaders } from "./decode.js";
import type { OutcomeError } from "../errors.js";
import type { Redactor } from "./redact.js";
import type { AuditRecord } from "../audit/record.js";
import type { CompiledRoute } from "../config/compile.js";
import type { OutboundRequest } from "../inject/injector.js";
import type { OutboundBody } from "../forward.js";
import type { RequestScope } from "./request-scope.js";
import { writeOutcome } from "./outcome.js";
import type { Deadline } from "./deadline.js";
import type { RequestEnd } from "../observe/request-observation.js";
import { responseHeaders } from "./headers.js";
import { upstreamTarget } from "./upstream-target.js";
import type { Runtime, RuntimeState } from "./runtime.js";

export interface Prepared {
  scope: RequestScope;
  route: CompiledRoute;
  out: OutboundRequest;
  body: OutboundBody;
  /** Masks the credential in whatever the upstream sends back. */
  redactor: Redactor;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  deadline: Deadline;
  release: AuditRecord;
  requestId: string;
}

export async function streamResponse(
  rt: Runtime,
  state: RuntimeState,
  p: Prepared,
  x: Exchange,
): Promise<RequestEnd> {
  const started = performance.now();
  let bytesIn = 0;
  if (Buffer.isBuffer(p.body)) bytesIn = p.body.length;
  else p.body.stream.on("data", (c: Buffer) => (bytesIn += c.length));
  // The deadline's signal also fires when the agent hangs up before the response head
  // (deadline.ts): the upstream call is aborted then, so a credential (and a dynamic lease) is not
  // kept alive for an agent that is gone.
  let upstream: IncomingMessage;
  try {
    upstream = await x.deadline.race(
      rt.upstream.request(
        upstreamTarget(state, p.scope, p.route),
        p.out,
        p.body,
        x.deadline.signal,
        p.scope.agent.id,
      ),
    );
  } catch (err) {
    if (x.res.destroyed && !x.res.headersSent) {
      await writeOutcome(rt, x.release, x.requestId, {
        status: 0,
        error: "ERR_CLIENT_ABORTED",
        bytesIn,
      });
      return { status: 0, error: "ERR_CLIENT_ABORTED" };
    }
    throw err;
  }
  x.deadline.clear();
  const status = upstream.statusCode ?? 502;
  const bodyless = x.req.method === "HEAD" || status === 204 || status === 304;
  let decoders: Transform[];
  try {
    decoders = bodyless ? [] : responseDecoders(upstream.headers);
  } catch (err) {
    upstream.destroy();
    throw err;
  }
  let headers = responseHeaders(upstream.rawHeaders);
  if (decoders.length > 0) headers = withoutEncodingHeaders(headers);
  // The standard reason phrase, never the upstream's: it is free text and can echo a credential.
  x.res.writeHead(status, p.redactor.headers(headers));
  let bytesOut = 0;
  const access = rt.access.hold(state, p.scope.agent, p.route, () => {
    upstream.destroy();
    x.res.destroy();
  });
  const piped = await pipeBody(
    upstream,
    [...decoders, p.redactor.body()],
    x.res,
    state.config.proxy.idleTimeoutMs,
    (n) => {
      bytesOut += n;
    },
  );
  const ended = access.close(piped);
  const error = ended.error;
  await writeOutcome(rt, x.release, x.requestId, {
    status,
    bytesIn,
    bytesOut,
    durationMs: Math.round(performance.now() - started),
    ...ended,
    ...(p.redactor.masked > 0 ? { redacted: p.redactor.masked } : {}),
  });
  return error ? { status, error } : { status };
}

/** Pipes the body; resolves with an error code when the stream failed, undefined when complete. */
function pipeBody(
  upstream: IncomingMessage,
  filters: Transform[],
  res: ServerResponse,
  idleMs: number,
  count: (n: number) => void,
): Promise<OutcomeError | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let idle = setTimeout(onIdle, idleMs);
    function onIdle() {
      finish("ERR_UPSTREAM_IDLE_TIMEOUT");
    }
    function finish(error?: OutcomeError) {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      if (error) {
        upstream.destroy();
        res.destroy();
      }
      resolve(error);
    }
    upstream.on("data", (chunk: Buffer) => {
      count(chunk.length);
      clearTimeout(idle);
      idle = setTimeout(onIdle, idleMs);
    });
    upstream.on("error", () => finish("ERR_UPSTREAM_FAILED"));
    upstream.on("aborted", () => finish("ERR_UPSTREAM_FAILED"));
    res.on("finish", () => finish());
    res.on("close", () => {
      if (!res.writableFinished) finish("ERR_CLIENT_ABORTED");
    });
    let stream: Readable = upstream;
    for (const f of filters) {
      f.on("error", () => finish("ERR_UPSTREAM_FAILED"));
      stream = stream.pipe(f);
    }
    // The head normally leaves with the first body chunk (one TLS record, one write). Only when
    // no chunk has come through by the next turn of the event loop (long poll, slow SSE) is it
    // flushed alone, so the agent sees the status without waiting for the body.
    let wrote = false;
    stream.once("data", () => (wrote = true));
    stream.pipe(res);
    setImmediate(() => {
      if (!wrote && !settled && !res.writableEnded && !res.destroyed) res.flushHeaders();
    });
  });
}
