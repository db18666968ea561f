/**
 * Access ends when access ends: a WebSocket session or an SSE stream released for an agent and a
 * route is closed, with an `outcome` that says why, when a reload revokes the agent, removes the
 * route or changes what the route's credential is; a reload that changes something else leaves it
 * alone; and `proxy.max_session_ms` ends a session however busy it keeps itself.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness, type HarnessOptions } from "../helpers/harness.js";
import { openWebSocket, type WsConnection } from "../helpers/ws-client.js";
import { OP } from "../helpers/ws-frames.js";
import { WS_PATHS } from "../helpers/ws-upstream.js";

/** Events every 100 ms for far longer than any test: only the proxy can end this stream. */
const ENDLESS_SSE = "/sse?n=10000&ms=100";
/** How long after the reload (or the lifetime) a session may take to be closed. */
const CLOSE_WITHIN_MS = 2000;

describe("access that outlives its request", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function start(opts: HarnessOptions = {}): Promise<Harness> {
    h = await startHarness({ routes: [{ path: "/ws/*" }, { path: "/sse" }], ...opts });
    return h;
  }

  async function webSocket(hx: Harness): Promise<WsConnection> {
    const tunnel = await openTunnel(hx.tunnel());
    assert.ok("tls" in tunnel, "CONNECT accepted");
    const { attestation, intent } = hx.attest({ method: "GET", url: hx.url(WS_PATHS.echo) });
    const headers = { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
    const ws = await openWebSocket(tunnel.tls, { target: WS_PATHS.echo, host: API_HOST, headers });
    assert.equal(ws.status, 101);
    return ws;
  }

  /** An SSE stream that has delivered its head; `done` rejects when the proxy cuts it. */
  async function sse(hx: Harness): Promise<{ done: Promise<unknown> }> {
    let headSeen!: () => void;
    const head = new Promise<void>((resolve) => (headSeen = resolve));
    const done = hx.attested({ path: ENDLESS_SSE, onHead: () => headSeen(), timeoutMs: 20_000 });
    done.catch(() => undefined);
    await head;
    return { done };
  }

  async function outcomeFor(hx: Harness, path: string) {
    const release = await hx.waitForAudit((r) => r.type === "release" && r["path"] === path);
    return hx.waitForAudit(
      (r) => r.type === "outcome" && r["requestId"] === release["requestId"],
      5000,
    );
  }

  function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} still open after ${ms} ms`)), ms);
    });
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  }

  it("closes the agent's WebSocket session and SSE stream when a reload revokes the agent", async () => {
    const hx = await start();
    const ws = await webSocket(hx);
    const stream = await sse(hx);
    await hx.updateConfig((cfg) => {
      cfg.agents[0]!.revoked_at = "2026-01-01T00:00:00Z";
    });
    await within(ws.closed(), CLOSE_WITHIN_MS, "the WebSocket session");
    await within(
      assert.rejects(stream.done, /response aborted/),
      CLOSE_WITHIN_MS,
      "the SSE stream",
    );
    const wsOut = await outcomeFor(hx, WS_PATHS.echo);
    assert.deepEqual([wsOut["status"], wsOut["error"]], [101, "ERR_ACCESS_REVOKED"]);
    assert.match(String(wsOut["reason"]), /agent agent-a was revoked or its token rotated/);
    const sseOut = await outcomeFor(hx, "/sse");
    assert.deepEqual([sseOut["status"], sseOut["error"]], [200, "ERR_ACCESS_REVOKED"]);
    assert.match(String(sseOut["reason"]), /agent agent-a was revoked/);
  });

  it("closes a WebSocket session when its route is removed", async () => {
    const hx = await start();
    const ws = await webSocket(hx);
    const routeId = (await hx.waitForAudit((r) => r.type === "release"))["route"];
    await hx.updateConfig((cfg) => {
      cfg.routes = cfg.routes.filter((r) => r.id !== routeId);
    });
    await within(ws.closed(), CLOSE_WITHIN_MS, "the WebSocket session");
    const out = await outcomeFor(hx, WS_PATHS.echo);
    assert.deepEqual(
      [out["error"], out["reason"]],
      ["ERR_ACCESS_REVOKED", `route ${routeId} was removed`],
    );
  });

  it("a reload that changes one route's secret closes its stream and leaves the other route's session open", async () => {
    const hx = await start();
    const stream = await sse(hx);
    const sseRoute = (await hx.waitForAudit((r) => r.type === "release"))["route"];
    const ws = await webSocket(hx);
    await hx.updateConfig((cfg) => {
      for (const r of cfg.routes) if (r.id === sseRoute) r.secret = "ANOTHER_KEY";
      cfg.proxy.idle_timeout_ms = 60_000;
      cfg.routes.push({ ...cfg.routes[0]!, id: "rt_unrelated", path: "/other/*" });
    });
    await within(
      assert.rejects(stream.done, /response aborted/),
      CLOSE_WITHIN_MS,
      "the SSE stream",
    );
    const out = await outcomeFor(hx, "/sse");
    assert.deepEqual(
      [out["error"], out["reason"]],
      ["ERR_ACCESS_REVOKED", `route ${sseRoute} was changed`],
    );
    // The WebSocket's route and agent did not change: its session is still relayed.
    ws.send({ opcode: OP.text, payload: "still here" });
    assert.equal((await ws.next()).payload.toString(), "still here");
    ws.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8]) });
    await ws.next();
    await ws.closed();
    const wsOut = await outcomeFor(hx, WS_PATHS.echo);
    assert.deepEqual(
      [wsOut["status"], wsOut["error"], wsOut["reason"]],
      [101, undefined, undefined],
    );
  });

  it("ends a session that keeps sending frames, and a busy SSE stream, after max_session_ms", async () => {
    const hx = await start({ proxy: { max_session_ms: 1500, idle_timeout_ms: 1000 } });
    const stream = await sse(hx);
    const ws = await webSocket(hx);
    const opened = Date.now();
    const ticker = setInterval(() => ws.send({ opcode: OP.ping, payload: "tick" }), 200);
    try {
      await within(ws.closed(), 1500 + CLOSE_WITHIN_MS, "the WebSocket session");
    } finally {
      clearInterval(ticker);
    }
    assert.ok(Date.now() - opened >= 1400, "not before max_session_ms");
    const out = await outcomeFor(hx, WS_PATHS.echo);
    assert.deepEqual([out["status"], out["error"]], [101, "ERR_SESSION_EXPIRED"]);
    assert.equal(out["reason"], "open longer than 1500 ms");
    await within(assert.rejects(stream.done, /response aborted/), CLOSE_WITHIN_MS, "the stream");
    const sseOut = await outcomeFor(hx, "/sse");
    assert.deepEqual([sseOut["status"], sseOut["error"]], [200, "ERR_SESSION_EXPIRED"]);
  });
});
