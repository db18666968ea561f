/**
 * Forwarding and streaming: the prepared request goes upstream, the response head must arrive
 * before the deadline, then the body streams to the agent chunk by chunk (SSE stays event by event)
 * under an idle timeout. The `outcome` record closes the request: status, bytes, duration, error.
 *
 * The common case is a small response that is already whole when its head is read: it is masked
 * and sent as one write (head and body in one TLS record), with no stream stages in between.
 * Anything else is pumped chunk by chunk with back-pressure (body-pump.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable, Transform } from "node:stream";
import { bodyCodings, responseDecoders, withoutEncodingHeaders } from "./decode.js";
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
import { pumpBody, sendWhole } from "./body-pump.js";
import type { OutcomeError } from "../errors.js";

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

/**
 * Resolves when the agent has the response (or it failed); the `outcome` record is queued then,
 * and becomes durable with the next audit batch.
 */
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
  // The deadline also fires when the agent hangs up before the response head (deadline.ts): the
  // upstream call is torn down then, so a credential (and a dynamic lease) is not kept alive for
  // an agent that is gone.
  let upstream: IncomingMessage;
  try {
    upstream = await rt.upstream.request(
      upstreamTarget(state, p.scope, p.route),
      p.out,
      p.body,
      x.deadline,
      p.scope.agent.id,
    );
  } catch (err) {
    if (x.res.destroyed && !x.res.headersSent) {
      void writeOutcome(rt, x.release, x.requestId, {
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
  const codings = bodyCodings(upstream.rawHeaders);
  let decoders: Transform[];
  try {
    decoders = bodyless ? [] : responseDecoders(codings);
  } catch (err) {
    upstream.destroy();
    throw err;
  }
  let headers = responseHeaders(upstream.rawHeaders);
  if (decoders.length > 0) headers = withoutEncodingHeaders(headers);
  // The standard reason phrase, never the upstream's: it is free text and can echo a credential.
  headers = p.redactor.headers(headers);
  const idleMs = state.config.proxy.idleTimeoutMs;
  let ended: { error?: OutcomeError; reason?: string; bytesOut: number };
  if (decoders.length === 0 && upstream.complete) {
    // Whole already: no stream outlives this turn, so one check replaces the access watch.
    const revoked = rt.access.check(state, p.scope.agent, p.route);
    if (revoked) {
      upstream.destroy();
      x.res.destroy();
      ended = { ...revoked, bytesOut: 0 };
    } else {
      ended = await sendWhole(upstream, x.res, status, headers, p.redactor);
    }
  } else {
    const access = rt.access.hold(state, p.scope.agent, p.route, () => {
      upstream.destroy();
      x.res.destroy();
    });
    let source: Readable = upstream;
    for (const d of decoders) source = source.pipe(d);
    // Without decoding, masking keeps lengths: the upstream's Content-Length marks the last chunk.
    const length = decoders.length === 0 ? Number(codings["content-length"] ?? -1) : -1;
    const pumped = await pumpBody(upstream, source, decoders, x.res, {
      length,
      status,
      headers,
      redactor: p.redactor,
      idleMs,
    });
    ended = { ...access.close(pumped.error), bytesOut: pumped.bytesOut };
  }
  const error = ended.error;
  void writeOutcome(rt, x.release, x.requestId, {
    status,
    bytesIn,
    durationMs: Math.round(performance.now() - started),
    ...ended,
    ...(p.redactor.masked > 0 ? { redacted: p.redactor.masked } : {}),
  });
  return error ? { status, error } : { status };
}
