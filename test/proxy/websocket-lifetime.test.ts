/**
 * How WebSocket sessions end and where they may start: the idle timeout and proxy shutdown close
 * an open session (each with its outcome) while the request deadline does not, and an
 * absolute-form `ws://` handshake on the listener is held to the same plaintext rule as `http://`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { basicAuth, connectTcp, openTunnel } from "../helpers/agent-client.js";
import { API_HOST, expectErrorResponse, startHarness, type Harness } from "../helpers/harness.js";
import { startPlainUpstream, type PlainUpstream } from "../helpers/upstream.js";
import { asResponse, openWebSocket, type WsConnection } from "../helpers/ws-client.js";
import { OP } from "../helpers/ws-frames.js";
import { WS_PATHS } from "../helpers/ws-upstream.js";

describe("WebSocket session lifetime", () => {
  let h: Harness;
  let plain: PlainUpstream;
  before(async () => {
    plain = await startPlainUpstream();
    h = await startHarness({
      routes: [{ path: "/ws/*" }],
      proxy: { idle_timeout_ms: 1000, deadline_ms: 1000 },
    });
  });
  after(async () => {
    await h.stop();
    await plain.close();
  });

  function attested(url: string): Record<string, string> {
    const { attestation, intent } = h.attest({ method: "GET", url });
    return { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
  }

  async function inTunnel(path: string): Promise<WsConnection> {
    const tunnel = await openTunnel(h.tunnel());
    assert.ok("tls" in tunnel, "CONNECT accepted");
    const headers = attested(h.url(path));
    return openWebSocket(tunnel.tls, { target: path, host: API_HOST, headers });
  }

  /** An absolute-form `ws://` handshake (sent as http://, as clients do) on the listener. */
  async function onListener(path: string): Promise<WsConnection> {
    const url = `http://${API_HOST}${path}`;
    const headers = { ...attested(url), "Proxy-Authorization": basicAuth(h.agent.token) };
    return openWebSocket(await connectTcp(h.proxyPort), { target: url, host: API_HOST, headers });
  }

  async function lastOutcome() {
    const releases = (await h.readAudit()).filter((r) => r.type === "release");
    const requestId = releases.at(-1)!["requestId"];
    return h.waitForAudit((r) => r.type === "outcome" && r["requestId"] === requestId, 5000);
  }

  it("closes a session idle for longer than idle_timeout_ms", async () => {
    const ws = await inTunnel(WS_PATHS.silent);
    assert.equal(ws.status, 101);
    const started = Date.now();
    await ws.closed(8000);
    assert.ok(Date.now() - started >= 900, "not before the idle timeout");
    const outcome = await lastOutcome();
    assert.deepEqual([outcome["status"], outcome["error"]], [101, "ERR_UPSTREAM_IDLE_TIMEOUT"]);
  });

  it("keeps a session open while frames flow, past the idle timeout and the deadline", async () => {
    const ws = await inTunnel(WS_PATHS.echo);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 400));
      ws.send({ opcode: OP.text, payload: `tick ${i}` });
      assert.equal((await ws.next()).payload.toString(), `tick ${i}`);
    }
    ws.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8]) });
    await ws.next();
    await ws.closed();
    const outcome = await lastOutcome();
    assert.deepEqual([outcome["status"], outcome["error"]], [101, undefined]);
  });

  it("refuses an absolute-form ws:// handshake when the route does not allow plaintext", async () => {
    const before = plain.requests.length;
    const ws = await onListener(WS_PATHS.echo);
    const res = await asResponse(ws, 0);
    const requestId = expectErrorResponse(res, 403, "ERR_PLAINTEXT_REFUSED");
    assert.equal(plain.requests.length, before);
    await h.waitForAudit((r) => r.type === "deny" && r["requestId"] === requestId);
  });

  it("relays an absolute-form ws:// session when the route allows plaintext", async () => {
    await h.updateConfig((cfg) => {
      for (const r of cfg.routes) r.allow_plaintext = true;
      cfg.proxy.resolve = { ...cfg.proxy.resolve, [`${API_HOST}:80`]: `127.0.0.1:${plain.port}` };
    });
    const ws = await onListener(WS_PATHS.echo);
    assert.equal(ws.status, 101);
    assert.equal(plain.requests.at(-1)?.headers.authorization, `Bearer ${h.canary}`);
    ws.send({ opcode: OP.binary, payload: Buffer.from([9, 8, 7]) });
    assert.deepEqual((await ws.next()).payload, Buffer.from([9, 8, 7]));
    ws.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8]) });
    await ws.next();
    await ws.closed();
    assert.equal((await lastOutcome())["status"], 101);
  });

  it("closes open sessions on shutdown, each with its outcome", async () => {
    const ws = await inTunnel(WS_PATHS.echo);
    assert.equal(ws.status, 101);
    const started = Date.now();
    await h.stopProxy(5000);
    await ws.closed(3000);
    assert.ok(Date.now() - started < 3000, "shutdown did not wait for the session");
    const outcome = await lastOutcome();
    assert.deepEqual([outcome["status"], outcome["error"]], [101, "ERR_SHUTTING_DOWN"]);
    const stop = (await h.readAudit()).at(-1)!;
    assert.equal(stop.type, "stop", "the outcome was written before the log closed");
  });
});
