/**
 * The request lifecycle for one request inside a tunnel (or one absolute-form http request):
 * agent → host → route → attestation → binding → replay → backend → durable audit → inject →
 * forward → stream → outcome. Each step either passes or throws a SigilError; anything that fails
 * before the `release` record is a `deny`, anything after it is an `outcome` with an error.
 */
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkBodyHash, checkIntentBinding } from "./attestation/binding.js";
import { verifyAttestation, type VerifiedAttestation } from "./attestation/verify.js";
import type { Credential } from "./backends/backend.js";
import type { CompiledRoute } from "./config/compile.js";
import { SigilError } from "./errors.js";
import { fetchCredential } from "./proxy/fetch-credential.js";
import { readBodyLimited } from "./proxy/body.js";
import { requestFraming, type BodyFraming } from "./proxy/framing.js";
import { createDeadline, type Deadline } from "./proxy/deadline.js";
import { checkProbeIsolation } from "./probe/isolation.js";
import { outboundHeaders } from "./proxy/headers.js";
import type { DenyInfo } from "./proxy/deny-info.js";
import { recordFailure, releaseHeld, type Held } from "./proxy/held.js";
import { checkRateLimit } from "./proxy/rate-limit.js";
import { createRedactor, credentialNeedles, type Redactor } from "./proxy/redact.js";
import { sendError } from "./proxy/respond.js";
import type { Runtime, RuntimeState } from "./proxy/runtime.js";
import { streamResponse } from "./proxy/stream-response.js";
import { resolveRequestTarget } from "./proxy/target.js";
import { authority, type RequestScope } from "./proxy/request-scope.js";
import { replayHoldUntilMs } from "./replay/store.js";
import { RequestObservation, reportRequest } from "./observe/request-observation.js";
import type { OutboundRequest } from "./inject/injector.js";
import { checkRouteLimits } from "./routing/route-limits.js";
import { stripAgentCredentials } from "./inject/agent-credentials.js";
import { probeMark } from "./probe/mark.js";

export async function handleRequest(
  rt: Runtime,
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const state = rt.state;
  const info: DenyInfo = {
    requestId: randomUUID(),
    agent: scope.agent,
    method: req.method ?? "",
    host: scope.host,
  };
  const deadline = createDeadline(state.config.proxy.deadlineMs, res);
  const obs = new RequestObservation();
  rt.inflight++;
  const held: Held = {};
  let redactor: Redactor | undefined;
  try {
    const ctx = { rt, state, scope, req, info, deadline, obs };
    const { gate, out } = await prepareOutbound(ctx, held);
    const { cred, release } = held as Required<Held>;
    redactor = createRedactor(credentialNeedles(cred, out.derivedSecrets));
    const end = await streamResponse(
      rt,
      state,
      {
        scope,
        route: gate.route,
        out,
        body: gate.body ?? { stream: req, framing: gate.framing },
        redactor,
      },
      {
        req,
        res,
        deadline,
        release,
        requestId: info.requestId,
      },
    );
    obs.ended(end);
  } catch (caught) {
    const err = await recordFailure(rt, caught, info, held, obs);
    sendError(res, err, info.requestId);
  } finally {
    deadline.clear();
    rt.inflight--;
    reportRequest(rt, obs, info);
    redactor?.wipe();
    releaseHeld(rt, held, info.requestId);
  }
}

/** One request on its way through the gate: where it came from, its records and its clock. */
export interface RequestContext {
  rt: Runtime;
  /** The config snapshot the whole request uses (a reload mid-request does not change it). */
  state: RuntimeState;
  scope: RequestScope;
  req: IncomingMessage;
  info: DenyInfo;
  deadline: Deadline;
  obs: RequestObservation;
}

/**
 * Gate → credential → durable `release` → the injected outbound request. Shared by plain requests
 * and WebSocket handshakes; `headers` lets a caller adjust the outbound headers before injection.
 */
export async function prepareOutbound(
  ctx: RequestContext,
  held: Held,
  headers = outboundHeaders(ctx.req.rawHeaders),
): Promise<{ gate: GateResult; out: OutboundRequest }> {
  const { rt, state, scope, info, deadline, obs } = ctx;
  const gate = await authorize(ctx, headers, held);
  obs.attested();
  held.backend = gate.route.backend;
  const cred = (held.cred = await fetchCredential(
    state,
    gate.route,
    deadline,
    rt.releases,
    info.requestId,
  ));
  obs.fetched();
  for (const field of gate.route.injector.requiredFields) {
    if (!cred.fields.has(field)) {
      throw new SigilError("ERR_INJECTION_FAILED", `credential has no field "${field}"`);
    }
  }
  held.release = await deadline.race(rt.audit.append(releaseRecord(scope, gate, cred, info)));
  obs.released();
  const out: OutboundRequest = {
    method: info.method ?? "GET",
    path: gate.pathWithQuery,
    host: authority(scope),
    headers,
    ...(gate.body ? { body: gate.body } : {}),
  };
  stripAgentCredentials(out.headers, gate.route);
  gate.route.injector.apply(out, cred);
  return { gate, out };
}

/** What the gate established about a request. */
export interface GateResult {
  route: CompiledRoute;
  att: VerifiedAttestation;
  bindingResult: string;
  pathWithQuery: string;
  path: string;
  /** How the agent framed its body; the forwarder frames the upstream request from it. */
  framing: BodyFraming;
  body?: Buffer;
}

/** Every check that must pass before a backend is asked for anything (spec §3, §5). */
async function authorize(
  ctx: RequestContext,
  headers: OutboundRequest["headers"],
  held: Held,
): Promise<GateResult> {
  const { rt, state, scope, req, info, deadline, obs } = ctx;
  const cfg = state.config;
  if (rt.stopping) {
    throw new SigilError(
      "ERR_SHUTTING_DOWN",
      "the proxy is shutting down; retry on a new connection",
    );
  }
  checkRateLimit(rt, cfg.proxy.rateLimit, scope.agent.id);
  if (!cfg.agents.isCurrent(scope.agent)) {
    throw new SigilError("ERR_AGENT_UNAUTHENTICATED", "agent token was revoked or rotated");
  }
  const target = resolveRequestTarget(scope, req);
  info.path = target.path;
  const framing = requestFraming(req);
  const match = cfg.routes.match(scope.agent.id, {
    scheme: scope.scheme,
    host: scope.host,
    port: scope.port,
    path: target.path,
    method: info.method ?? "",
  });
  if (!match.ok) {
    throw new SigilError(match.plaintext ? "ERR_PLAINTEXT_REFUSED" : "ERR_NO_ROUTE", match.reason);
  }
  const route = match.route;
  info.route = route.id;
  obs.routed(route.backend);
  const token = singleHeader(req, "x-sigil-attestation");
  if (token === undefined) {
    throw new SigilError(
      "ERR_ATTESTATION_MISSING",
      "this route requires an X-Sigil-Attestation header",
    );
  }
  const verified = verifyWithRefresh(rt, state, token, scope.agent.name);
  const att = verified instanceof Promise ? await verified : verified;
  info.replayId = att.replayId;
  info.exp = att.exp;
  checkProbeIsolation(route.id, att.kid);
  const binding = checkIntentBinding(
    singleHeader(req, "x-sigil-intent"),
    att,
    {
      method: info.method ?? "",
      url: liveUrl(scope, target.pathWithQuery),
      headers,
      ...(route.injector.signsHeader ? { mustPin: route.injector.signsHeader } : {}),
    },
    route.binding,
  );
  // Claim before reading any body: replays of one token cannot make the proxy buffer theirs.
  const holdUntil = replayHoldUntilMs(att.exp);
  const fresh = rt.replay.claimNow
    ? rt.replay.claimNow(att.replayId, holdUntil)
    : await deadline.race(rt.replay.claim(att.replayId, holdUntil));
  if (!fresh) {
    throw new SigilError("ERR_ATTESTATION_REPLAYED", "this attestation was already used");
  }
  info.replayClaimed = true;
  let body: Buffer | undefined;
  if (binding.bodySha256 !== undefined || route.injector.needsBody) {
    held.body = rt.bodyBudget.open(cfg.proxy.maxBufferedBodyBytes);
    body = await deadline.race(readBodyLimited(req, cfg.proxy.maxBodyBytes, held.body));
  }
  if (binding.bodySha256 !== undefined) {
    checkBodyHash(binding.bodySha256, createHash("sha256").update(body!).digest());
  }
  // After the body: a Query-protocol operation may be named in a form body (Action=…).
  checkRouteLimits(route, { method: info.method ?? "", host: scope.host, target, headers, body });
  return {
    route,
    att,
    bindingResult: binding.result,
    pathWithQuery: target.pathWithQuery,
    path: target.path,
    framing,
    ...(body ? { body } : {}),
  };
}

/**
 * A kid that is anchored but whose key is not loaded yet (JWKS down at start) gets one refresh.
 * Synchronous unless that refresh is needed: the common case costs no promise.
 */
function verifyWithRefresh(
  rt: Runtime,
  state: RuntimeState,
  token: string,
  agentName: string,
): VerifiedAttestation | Promise<VerifiedAttestation> {
  const ctx = {
    keys: state.keyRing,
    nowMs: rt.nowMs(),
    skewSeconds: state.config.proxy.skewSeconds,
    agentName,
  };
  try {
    return verifyAttestation(token, ctx);
  } catch (err) {
    const unloaded = state.keyRing.status().filter((s) => !s.loaded);
    if (
      !(err instanceof SigilError) ||
      err.code !== "ERR_ATTESTATION_UNTRUSTED" ||
      !unloaded.length
    ) {
      throw err;
    }
    return Promise.all(unloaded.map((s) => state.keyRing.refresh(s.kid))).then(() =>
      verifyAttestation(token, { ...ctx, nowMs: rt.nowMs() }),
    );
  }
}

function releaseRecord(scope: RequestScope, gate: GateResult, cred: Credential, info: DenyInfo) {
  const { att, route } = gate;
  return {
    type: "release",
    requestId: info.requestId,
    agent: { id: scope.agent.id, name: scope.agent.name },
    route: route.id,
    backend: route.backend,
    secretRef: route.secret,
    ...(cred.leaseId !== undefined ? { leaseId: cred.leaseId } : {}),
    replayId: att.replayId,
    iss: att.iss,
    kid: att.kid,
    agentId: att.agentId,
    intentHash: att.intentHash ?? null,
    policyHash: att.policyHash ?? null,
    iat: att.iat,
    exp: att.exp,
    binding: gate.bindingResult,
    method: info.method ?? "",
    host: scope.host,
    path: gate.path,
    ...probeMark(scope.agent.id),
  };
}

/** The value of a header sent exactly once; a repeated Sigil header is refused as ambiguous. */
function singleHeader(req: IncomingMessage, name: string): string | undefined {
  let value: string | undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length !== name.length || (raw[i] as string).toLowerCase() !== name)
      continue;
    if (value !== undefined) {
      throw new SigilError("ERR_ATTESTATION_INVALID", `${name} header sent more than once`);
    }
    value = raw[i + 1] as string;
  }
  return value;
}

function liveUrl(scope: RequestScope, pathWithQuery: string): string {
  return `${scope.scheme}://${authority(scope)}${pathWithQuery}`;
}
