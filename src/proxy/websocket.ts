/**
 * WebSocket upgrades on routed hosts: the handshake passes the same gate as any request
 * (pipeline.ts: attestation, replay, backend, durable `release`, injection), goes upstream over
 * verified TLS with extensions stripped (frames must stay readable for redaction), and on 101 the
 * session relays frames both ways. The deadline covers the handshake only; the session ends with
 * one `outcome` record. The credential is released as soon as the handshake is on the wire.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { SigilError, type OutcomeError } from "../errors.js";
import { RequestObservation, reportRequest } from "../observe/request-observation.js";
import { prepareOutbound } from "../pipeline.js";
import type { RequestScope } from "./request-scope.js";
import { recordFailure, releaseHeld, type Held } from "./held.js";
import type { UpgradeAnswer } from "../forward.js";
import { createDeadline } from "./deadline.js";
import { hasBody, requestFraming } from "./framing.js";
import { outboundHeaders } from "./headers.js";
import { writeOutcome } from "./outcome.js";
import { createRedactor, credentialNeedles, type Redactor } from "./redact.js";
import type { DenyInfo } from "./deny-info.js";
import { writeRawError } from "./respond.js";
import type { Runtime, RuntimeState } from "./runtime.js";
import type { Agent } from "../agents.js";
import type { CompiledRoute } from "../config/compile.js";
import { upstreamTarget } from "./upstream-target.js";
import { relayAnswer, switchingHead } from "./websocket-answer.js";
import { runSession, type SessionRegistry } from "./websocket-session.js";

/** True for an RFC 6455 opening handshake (GET with `Upgrade: websocket`). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const tokens = String(req.headers["upgrade"] ?? "")
    .toLowerCase()
    .split(",");
  return req.method === "GET" && tokens.some((t) => t.trim() === "websocket");
}

export async function handleUpgrade(
  rt: Runtime,
  scope: RequestScope,
  req: IncomingMessage,
  agent: Duplex,
  head: Buffer,
  sessions: SessionRegistry,
): Promise<void> {
  const state = rt.state;
  const started = performance.now();
  const info: DenyInfo = {
    requestId: randomUUID(),
    agent: scope.agent,
    method: req.method ?? "",
    host: scope.host,
  };
  const { requestId } = info;
  // Early frames wait in the socket until the session starts; errors end it, never the process.
  agent.pause();
  if (head.length > 0) agent.unshift(head);
  agent.on("error", () => agent.destroy());
  // The agent hanging up before the 101 ends the handshake like the deadline does.
  const deadline = createDeadline(state.config.proxy.deadlineMs, agent);
  rt.inflight++;
  const obs = new RequestObservation();
  const held: Held = {};
  let redactor: Redactor | undefined;
  try {
    // An opening handshake has no body (RFC 6455 §4.1); bytes after its head are frames. A
    // declared body would be read by the upstream as the start of the session, so it is refused.
    if (hasBody(requestFraming(req))) {
      throw new SigilError("ERR_BAD_REQUEST", "a WebSocket handshake must not carry a body");
    }
    const headers = handshakeHeaders(req.rawHeaders);
    const ctx = { rt, state, scope, req, info, deadline, obs };
    const { gate, out } = await prepareOutbound(ctx, held, headers);
    const release = held.release!;
    redactor = createRedactor(credentialNeedles(held.cred!, out.derivedSecrets));
    const target = upstreamTarget(state, scope, gate.route);
    const answer = await rt.upstream.upgrade(target, out, deadline);
    // The handshake carried the credential; the session itself never needs it again.
    releaseHeld(rt, held, requestId);
    deadline.clear();
    const grant = { state, agent: scope.agent, route: gate.route };
    const ended = await relay(rt, answer, agent, redactor, sessions, grant);
    obs.ended(ended);
    await writeOutcome(rt, release, requestId, { ...ended, ...timing(started, redactor) });
  } catch (caught) {
    if (held.release && agent.destroyed) {
      obs.ended({ status: 0, error: "ERR_CLIENT_ABORTED" });
      await writeOutcome(rt, held.release, requestId, { status: 0, error: "ERR_CLIENT_ABORTED" });
    } else {
      writeRawError(agent, await recordFailure(rt, caught, info, held, obs), requestId);
    }
  } finally {
    deadline.clear();
    rt.inflight--;
    reportRequest(rt, obs, info);
    redactor?.wipe();
    releaseHeld(rt, held, requestId);
  }
}

/**
 * Relays the upstream's answer: a refusal as a response, a 101 as the session. Resolves with the
 * outcome's status, bytes and error; throws (before anything reached the agent) when the answer
 * cannot be relayed safely.
 */
async function relay(
  rt: Runtime,
  answer: UpgradeAnswer,
  agent: Duplex,
  redactor: Redactor,
  sessions: SessionRegistry,
  grant: { state: RuntimeState; agent: Agent; route: CompiledRoute },
): Promise<{
  status: number;
  bytesIn?: number;
  bytesOut?: number;
  error?: OutcomeError;
  reason?: string;
}> {
  const idleMs = rt.state.config.proxy.idleTimeoutMs;
  if (!answer.upgraded) {
    const status = answer.res.statusCode ?? 502;
    let sent: Promise<number>;
    try {
      sent = relayAnswer(answer.res, agent, redactor, idleMs);
    } catch (err) {
      answer.res.destroy();
      throw err;
    }
    return sent.then(
      (bytesOut) => ({ status, bytesOut }),
      () => ({ status, error: "ERR_UPSTREAM_FAILED" }),
    );
  }
  const upstream = answer.socket;
  upstream.on("error", () => upstream.destroy());
  try {
    if (rt.stopping) {
      throw new SigilError("ERR_SHUTTING_DOWN", "the proxy is shutting down; retry later");
    }
    agent.write(switchingHead(answer.res, redactor));
  } catch (err) {
    upstream.destroy();
    throw err;
  }
  // A reload that revokes the agent or changes the route, or max_session_ms, ends the session.
  const access = rt.access.hold(grant.state, grant.agent, grant.route, () => {
    agent.destroy();
    upstream.destroy();
  });
  const end = await runSession(
    { agent, upstream, upstreamHead: answer.head },
    redactor,
    idleMs,
    sessions,
  );
  return { status: 101, bytesIn: end.bytesIn, bytesOut: end.bytesOut, ...access.close(end.error) };
}

/**
 * The agent's headers for the upstream handshake: the usual hygiene, then Connection/Upgrade put
 * back and Sec-WebSocket-Extensions dropped (no permessage-deflate: frames must stay readable).
 */
function handshakeHeaders(raw: readonly string[]): Record<string, string | string[]> {
  const headers = outboundHeaders(raw);
  delete headers["sec-websocket-extensions"];
  return { ...headers, connection: "Upgrade", upgrade: "websocket" };
}

function timing(started: number, redactor: Redactor) {
  return {
    durationMs: Math.round(performance.now() - started),
    ...(redactor.masked > 0 ? { redacted: redactor.masked } : {}),
  };
}
