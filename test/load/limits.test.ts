/**
 * Per-connection limits: the per-agent tunnel cap (429 with a `deny` record), the TLS handshake
 * timeout, the head timeout
 * for a CONNECT or inner head dribbled byte by byte, the 32 KiB head limit on both servers, and a
 * bound body uploaded slowly (cut by the request deadline before any credential is fetched).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { openKeepAliveTunnel, openTunnel, type KeepAliveTunnel } from "../helpers/agent-client.js";
import type { TLSSocket } from "node:tls";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";
import { closedWithin, connectProxy, dribble } from "../helpers/slow-peer.js";

const HEADER_TIMEOUT_MS = 1000;
const DEADLINE_MS = 1000;
const MAX_TUNNELS = 3;

describe("per-connection limits", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      proxy: {
        max_tunnels_per_agent: MAX_TUNNELS,
        header_timeout_ms: HEADER_TIMEOUT_MS,
        deadline_ms: DEADLINE_MS,
        max_body_bytes: 64,
      },
    });
  });
  after(() => h.stop());

  it("refuses the tunnel over max_tunnels_per_agent with 429 and frees the slot on close", async () => {
    const open: KeepAliveTunnel[] = [];
    try {
      for (let i = 0; i < MAX_TUNNELS; i++) {
        const tunnel = await openKeepAliveTunnel(h.tunnel());
        open.push(tunnel);
        // A first request at once: an idle kept-alive tunnel is not subject to the head timeout.
        assert.equal((await tunnel.request({ path: "/unrouted" })).status, 403);
      }
      const res = await h.attested({ path: "/v1/x" });
      assert.equal(res.connectStatus, 429);
      await h.expectDenied(res, 429, "ERR_TOO_MANY_TUNNELS");
      const deny = (await h.readAudit()).find((r) => r["code"] === "ERR_TOO_MANY_TUNNELS")!;
      assert.equal(deny["method"], "CONNECT");
      assert.deepEqual(deny["agent"], { id: h.agent.id, name: h.agent.name });
      assert.equal((await open[0]!.request({ path: "/unrouted" })).status, 403, "held ones work");
      open.pop()!.close();
      await waitFor(async () => (await h.attested({ path: "/v1/x" })).status === 200);
    } finally {
      for (const t of open) t.close();
    }
  });

  it("cuts off a CONNECT head dribbled one byte per 100 ms with 408 and a deny record", async () => {
    const socket = await connectProxy(h.proxyPort);
    socket.write(`CONNECT ${API_HOST}:443 HTTP/1.1\r\n`);
    dribble(socket, `X-Pad: ${"a".repeat(200)}\r\n`, 100);
    const closed = await closedWithin(socket, HEADER_TIMEOUT_MS + 4000);
    assert.ok(closed.ms >= HEADER_TIMEOUT_MS - 50, `closed after ${closed.ms} ms`);
    await expectTimedOut(closed.received);
  });

  it("cuts off an inner head dribbled one byte per 100 ms with 408 and a deny record", async () => {
    const tls = await tunnelSocket();
    tls.write(`GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n`);
    dribble(tls, `X-Pad: ${"a".repeat(200)}\r\n`, 100);
    await expectTimedOut((await closedWithin(tls, HEADER_TIMEOUT_MS + 4000)).received);
  });

  it("closes a tunnel that completes TLS and then sends nothing", async () => {
    const tls = await tunnelSocket();
    await expectTimedOut((await closedWithin(tls, HEADER_TIMEOUT_MS + 4000)).received);
  });

  it(
    "closes a tunnel whose TLS handshake never starts, after 10 s",
    { timeout: 20_000 },
    async () => {
      const socket = await connectProxy(h.proxyPort);
      const auth = Buffer.from(`x:${h.agent.token}`).toString("base64");
      socket.write(
        `CONNECT ${API_HOST}:443 HTTP/1.1\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`,
      );
      const closed = await closedWithin(socket, 15_000);
      assert.match(closed.received, /^HTTP\/1\.1 200 /);
      assert.ok(closed.ms >= 9_900, `closed after ${closed.ms} ms`);
    },
  );

  const big = `X-Big: ${"b".repeat(33 * 1024)}\r\n`;
  const oversized: [string, () => Promise<string>][] = [
    [
      "a CONNECT head",
      async () => {
        const socket = await connectProxy(h.proxyPort);
        socket.write(`CONNECT ${API_HOST}:443 HTTP/1.1\r\n${big}\r\n`);
        return (await closedWithin(socket, 5000)).received;
      },
    ],
    [
      "an inner head",
      async () => {
        const tls = await tunnelSocket();
        tls.write(`GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n${big}\r\n`);
        return (await closedWithin(tls, 5000)).received;
      },
    ],
  ];
  for (const [name, send] of oversized) {
    it(`refuses ${name} over 32 KiB with 400`, async () => {
      const received = await send();
      assert.match(received, /^HTTP\/1\.1 400 /);
      assert.match(received, /"request header block too large"/);
    });
  }

  it("cuts a bound body uploaded at one byte per 100 ms at the deadline, before any fetch", async () => {
    const body = "x".repeat(60);
    const bound = h.attest({ method: "POST", url: h.url("/v1/x"), bodySha256: sha256(body) });
    const tls = await tunnelSocket();
    const head =
      `POST /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nContent-Length: ${body.length}\r\n` +
      `X-Sigil-Attestation: ${bound.attestation}\r\nX-Sigil-Intent: ${bound.intent!}\r\n\r\n`;
    tls.write(head);
    const before = h.upstream.requests.length;
    dribble(tls, body, 100);
    const started = Date.now();
    const { received } = await closedWithin(tls, DEADLINE_MS + 4000);
    assert.match(received, /^HTTP\/1\.1 504 /);
    assert.match(received, /x-sigil-error: ERR_DEADLINE_EXCEEDED/);
    assert.ok(Date.now() - started < DEADLINE_MS + 2000);
    assert.equal(h.upstream.requests.length, before, "nothing was forwarded");
    const id = /"requestId":"([0-9a-f-]{36})"/.exec(received)?.[1];
    const deny = await h.waitForAudit((r) => r["requestId"] === id);
    assert.equal(deny.type, "deny", "refused before the credential was released");
  });

  async function tunnelSocket(): Promise<TLSSocket> {
    const opened = await openTunnel(h.tunnel());
    assert.ok("tls" in opened, "CONNECT accepted");
    return opened.tls;
  }

  async function expectTimedOut(received: string): Promise<void> {
    assert.match(received, /^HTTP\/1\.1 408 /);
    assert.match(received, /x-sigil-error: ERR_REQUEST_TIMEOUT/);
    const id = /"requestId":"([0-9a-f-]{36})"/.exec(received)?.[1];
    const deny = await h.waitForAudit((r) => r["requestId"] === id);
    assert.equal(deny["code"], "ERR_REQUEST_TIMEOUT");
  }
});

async function waitFor(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  for (const until = Date.now() + ms; !(await check());) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
