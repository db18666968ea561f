/**
 * WebSocket upgrades end to end with real sockets: the handshake passes the full gate and carries
 * the injected credential upstream, frames flow both ways, a credential the upstream echoes in a
 * frame is masked, refusals happen before any upstream connection, and every session ends with an
 * `outcome` record — while the credential shows up nowhere the agent, the logs or the audit can see.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/audit/record.js";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, expectErrorResponse, startHarness, type Harness } from "../helpers/harness.js";
import { asResponse, openWebSocket, type WsConnection } from "../helpers/ws-client.js";
import { acceptKey, OP } from "../helpers/ws-frames.js";
import { WS_PATHS } from "../helpers/ws-upstream.js";

const CLOSE_1000 = Buffer.from([0x03, 0xe8]);

describe("WebSocket upgrades", () => {
  let h: Harness;
  const seen: Buffer[] = [];
  before(async () => {
    h = await startHarness({ routes: [{ path: "/ws/*" }, { path: "/wsx/*", upstreamCa: false }] });
  });
  after(() => h.stop());

  function attested(path: string): Record<string, string> {
    const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
    return { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
  }

  async function connect(path: string, headers: Record<string, string>): Promise<WsConnection> {
    const tunnel = await openTunnel(h.tunnel());
    assert.ok("tls" in tunnel, "CONNECT accepted");
    const ws = await openWebSocket(tunnel.tls, { target: path, host: API_HOST, headers });
    void ws.closed(15_000).then(
      (bytes) => seen.push(bytes),
      () => undefined,
    );
    return ws;
  }

  /** The outcome record closing the release that the upstream's latest handshake belongs to. */
  async function outcomeOf(requestId: string): Promise<AuditRecord> {
    const release = await h.waitForAudit(
      (r) => r.type === "release" && r["requestId"] === requestId,
    );
    const outcome = await h.waitForAudit(
      (r) => r.type === "outcome" && r["requestId"] === requestId,
    );
    assert.equal(outcome["release"], release.hash);
    return outcome;
  }

  async function lastReleaseId(): Promise<string> {
    const releases = (await h.readAudit()).filter((r) => r.type === "release");
    return releases.at(-1)!["requestId"] as string;
  }

  it("injects the credential in the handshake and relays text, binary, fragments and ping", async () => {
    const before = h.upstream.requests.length;
    const ws = await connect(WS_PATHS.echo, {
      ...attested(WS_PATHS.echo),
      "Sec-WebSocket-Protocol": "chat, superchat",
    });
    assert.equal(ws.status, 101);
    assert.equal(ws.headers["sec-websocket-accept"], acceptKey(ws.key));
    assert.equal(ws.headers["upgrade"], "websocket");
    assert.equal(ws.headers["connection"], "Upgrade");
    assert.equal(ws.headers["sec-websocket-protocol"], "chat");
    assert.equal(ws.headers["x-upstream"], "ws");
    const [hs] = h.upstream.requests.slice(before);
    assert.ok(hs, "the upstream saw the handshake");
    assert.equal(hs.headers.authorization, `Bearer ${h.canary}`);
    assert.equal(hs.headers["sec-websocket-key"], ws.key);
    assert.equal(hs.headers["sec-websocket-extensions"], undefined, "no permessage-deflate");
    assert.equal(hs.headers["x-sigil-attestation"], undefined);
    assert.equal(hs.headers["proxy-authorization"], undefined);
    assert.equal(hs.headers.upgrade, "websocket");

    const exchanges: [string, Parameters<WsConnection["send"]>[0][]][] = [
      ["text", [{ opcode: OP.text, payload: "hello" }]],
      ["binary", [{ opcode: OP.binary, payload: Buffer.from([0, 1, 2, 255]) }]],
      ["16-bit length", [{ opcode: OP.binary, payload: Buffer.alloc(3000, 7) }]],
      [
        "fragments",
        [
          { opcode: OP.text, fin: false, payload: "ab" },
          { opcode: OP.cont, fin: false, payload: "cd" },
          { opcode: OP.cont, payload: "ef" },
        ],
      ],
    ];
    for (const [name, frames] of exchanges) {
      for (const f of frames) ws.send(f);
      for (const f of frames) {
        const got = await ws.next();
        assert.deepEqual(
          [got.fin, got.opcode, got.masked, got.payload],
          [f.fin ?? true, f.opcode, false, Buffer.from(f.payload ?? "")],
          name,
        );
      }
    }
    ws.send({ opcode: OP.ping, payload: "p1" });
    assert.deepEqual(await ws.next(), {
      fin: true,
      opcode: OP.pong,
      masked: false,
      payload: Buffer.from("p1"),
    });
    ws.send({ opcode: OP.close, payload: CLOSE_1000 });
    assert.deepEqual((await ws.next()).payload, CLOSE_1000);
    await ws.closed();

    const outcome = await outcomeOf(await lastReleaseId());
    assert.equal(outcome["status"], 101);
    assert.equal(outcome["error"], undefined, "a clean close");
    assert.ok((outcome["bytesIn"] as number) > 3000);
    assert.ok((outcome["bytesOut"] as number) > 3000);
    assert.equal(typeof outcome["durationMs"], "number");
  });

  it("masks a credential the upstream sends back in frames (split, in a ping, in binary)", async () => {
    const ws = await connect(WS_PATHS.leak, attested(WS_PATHS.leak));
    assert.equal(ws.status, 101);
    const stars = "*".repeat(h.canary.length);
    const first = await ws.next();
    const ping = await ws.next();
    const second = await ws.next();
    const third = await ws.next();
    const binary = await ws.next();
    assert.deepEqual(
      [first.fin, first.opcode, ping.opcode, third.fin],
      [false, OP.text, OP.ping, true],
    );
    const message = Buffer.concat([first.payload, second.payload, third.payload]).toString();
    assert.equal(message, `token=Bearer ${stars};`);
    assert.equal(ping.payload.toString(), `Bearer ${stars}`);
    assert.equal(binary.payload.toString(), `bin:Bearer ${stars}`);
    assert.ok(!ws.received.includes(h.canary));
    ws.send({ opcode: OP.close, payload: CLOSE_1000 });
    await ws.next();
    await ws.closed();
    const outcome = await outcomeOf(await lastReleaseId());
    assert.equal(outcome["redacted"], 3);
  });

  const refusals: [string, (path: string) => Promise<Record<string, string>>, string][] = [
    ["a missing attestation", async () => ({}), "ERR_ATTESTATION_MISSING"],
    [
      "a replayed attestation",
      async (path) => {
        const headers = attested(path);
        const first = await connect(path, headers);
        assert.equal(first.status, 101);
        first.destroy();
        await outcomeOf(await lastReleaseId());
        return headers;
      },
      "ERR_ATTESTATION_REPLAYED",
    ],
  ];
  for (const [name, headersFor, code] of refusals) {
    it(`refuses ${name} before any upstream connection, with a deny record`, async () => {
      const headers = await headersFor(WS_PATHS.echo);
      const before = { requests: h.upstream.requests.length, conns: h.upstream.connections };
      const ws = await connect(WS_PATHS.echo, headers);
      const res = await asResponse(ws);
      const requestId = expectErrorResponse(res, 403, code);
      assert.equal(h.upstream.requests.length, before.requests, "the upstream saw nothing");
      assert.equal(h.upstream.connections, before.conns, "no upstream connection");
      const deny = await h.waitForAudit((r) => r.type === "deny" && r["requestId"] === requestId);
      assert.equal(deny["code"], code);
    });
  }

  it("relays the upstream's refusal of the upgrade, redacted", async () => {
    const ws = await connect(WS_PATHS.refuse, attested(WS_PATHS.refuse));
    assert.equal(ws.status, 403);
    assert.equal(ws.headers["x-seen"], `Bearer ${"*".repeat(h.canary.length)}`);
    const body = JSON.parse((await ws.closed()).toString()) as { seen: string };
    assert.equal(body.seen, `Bearer ${"*".repeat(h.canary.length)}`);
    const outcome = await outcomeOf(await lastReleaseId());
    assert.equal(outcome["status"], 403);
    assert.equal(outcome["redacted"], 2);
  });

  const failures: [string, string][] = [
    ["an untrusted upstream certificate", "/wsx/echo"],
    ["an extension the proxy did not offer", WS_PATHS.deflate],
  ];
  for (const [name, path] of failures) {
    it(`answers 502 ERR_UPSTREAM_FAILED for ${name}, with an outcome`, async () => {
      const ws = await connect(path, attested(path));
      const res = await asResponse(ws);
      const requestId = expectErrorResponse(res, 502, "ERR_UPSTREAM_FAILED");
      const outcome = await outcomeOf(requestId);
      assert.equal(outcome["error"], "ERR_UPSTREAM_FAILED");
    });
  }

  it("ends the session with an error outcome when the upstream resets it", async () => {
    const ws = await connect(WS_PATHS.reset, attested(WS_PATHS.reset));
    assert.equal((await ws.next()).payload.toString(), "going");
    await ws.closed();
    const outcome = await outcomeOf(await lastReleaseId());
    assert.deepEqual([outcome["status"], outcome["error"]], [101, "ERR_UPSTREAM_FAILED"]);
  });

  it("writes the outcome when the agent drops the connection", async () => {
    const ws = await connect(WS_PATHS.echo, attested(WS_PATHS.echo));
    ws.send({ opcode: OP.text, payload: "one" });
    await ws.next();
    ws.destroy();
    const outcome = await outcomeOf(await lastReleaseId());
    assert.deepEqual([outcome["status"], outcome["error"]], [101, "ERR_CLIENT_ABORTED"]);
    assert.ok((outcome["bytesOut"] as number) > 0);
  });

  it("leaves the credential in no frame, response, log line or audit record", async () => {
    const audit = JSON.stringify(await h.readAudit());
    const logs = h.logs.join("\n");
    const needles = [h.canary, Buffer.from(h.canary).toString("base64")];
    for (const needle of needles) {
      assert.ok(!audit.includes(needle), "audit");
      assert.ok(!logs.includes(needle), "logs");
      for (const bytes of seen) assert.ok(!bytes.includes(needle), "agent bytes");
    }
    assert.ok(seen.length >= 6, `sessions seen: ${seen.length}`);
  });
});
