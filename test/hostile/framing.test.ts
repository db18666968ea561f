/**
 * What reaches the upstream (issue 10, spec §3 "Outbound framing"): every attested request is
 * exactly one request on the wire, whatever its method, framing and `Connection` tokens; upstream
 * connections are never shared between agents; an exchange that ends irregularly takes its
 * connection with it. The upstream reads the bytes with a strict parser of its own, so a body
 * that leaked out of its framing shows up as an extra request or a parse error.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { generateAgentToken, generateId, hashToken } from "../../src/agents.js";
import { openTunnel, readMessage } from "../helpers/agent-client.js";
import { expectErrorResponse, sleep, startHarness, type Harness } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";
import { startRawUpstream, type RawUpstream } from "../helpers/raw-upstream.js";

const RAW_HOST = "raw.example.test";
const METHODS = ["GET", "DELETE", "OPTIONS", "HEAD", "POST", "PUT", "PATCH"];
const SMUGGLED = `DELETE /admin/users/1 HTTP/1.1\r\nHost: ${RAW_HOST}\r\n\r\n`;

type Framing = "cl" | "chunked" | "cl-named" | "chunked-named" | "host-named";

/** An attested request head + body as raw bytes, framed the way a hostile agent chooses. */
function rawRequest(o: {
  method: string;
  path: string;
  att: string;
  body: Buffer;
  framing: Framing;
  intent?: string;
}): Buffer {
  let head = `${o.method} ${o.path} HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${o.att}\r\n`;
  if (o.intent) head += `X-Sigil-Intent: ${o.intent}\r\n`;
  const chunked = o.framing === "chunked" || o.framing === "chunked-named";
  head += chunked ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${o.body.length}\r\n`;
  if (o.framing === "cl-named") head += "Connection: keep-alive, content-length\r\n";
  if (o.framing === "chunked-named") head += "Connection: transfer-encoding\r\n";
  if (o.framing === "host-named") head += "Connection: host, content-length, authorization\r\n";
  const body = chunked ? chunk(o.body) : o.body;
  return Buffer.concat([Buffer.from(head + "\r\n", "latin1"), body]);
}

function chunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 1000) {
    const piece = body.subarray(at, at + 1000);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

describe("outbound request framing", () => {
  let h: Harness;
  let raw: RawUpstream;
  let plain: RawUpstream;
  const bCanary = `canary-b-${randomBytes(12).toString("hex")}`;
  const b = { id: generateId("agt"), name: "agent-b", token: generateAgentToken() };

  before(async () => {
    const pki = createTestPki();
    raw = await startRawUpstream({ pki, hosts: [RAW_HOST] });
    plain = await startRawUpstream();
    // Unbound attestations keep these cases about framing alone: an explicit binding opt-out.
    const routes = ["/v1/*", "/early", "/reason", "/te-gzip", "/te-compress"].map((path) => ({
      host: RAW_HOST,
      path,
      methods: METHODS,
      binding: "optional" as const,
    }));
    h = await startHarness({
      upstreamPki: pki,
      routes: [
        ...routes,
        { host: RAW_HOST, path: "/bound/*", methods: METHODS, binding: "required" },
      ],
      resolve: { [`${RAW_HOST}:443`]: `127.0.0.1:${raw.port}` },
      env: { B_KEY: bCanary },
    });
    await h.updateConfig((cfg) => {
      cfg.agents.push({
        id: b.id,
        name: b.name,
        token_sha256: hashToken(b.token),
        created_at: "2025-01-01T00:00:00Z",
      });
      cfg.routes.push({
        id: generateId("rt"),
        agent_id: b.id,
        host: RAW_HOST,
        path: "/v1/*",
        methods: METHODS,
        backend: "demo-env",
        secret: "B_KEY",
        inject: "header:Authorization=Bearer {value}",
        binding: "optional",
        upstream_ca: cfg.routes[0]!.upstream_ca!,
      });
    });
  });
  after(async () => {
    await h?.stop();
    await raw?.close();
    await plain?.close();
  });

  const tunnel = async (token = h.agent.token): Promise<TLSSocket> => {
    const t = await openTunnel(h.tunnel({ host: RAW_HOST, token }));
    if ("refused" in t) throw new Error(`CONNECT refused: ${t.refused.status}`);
    return t.tls;
  };
  const att = () => h.attest().attestation;
  // A fresh intentHash each time: identical claims in one second would be one (replayed) token.
  const signB = () => h.sign({ agentId: b.name, intentHash: randomBytes(32).toString("hex") });
  const next = (a = att()) =>
    Buffer.from(`GET /v1/next HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${a}\r\n\r\n`);

  /** Sends each request on one kept-alive tunnel, reading each response before the next. */
  async function exchange(requests: Buffer[], token?: string) {
    const before = raw.requests().length;
    const tls = await tunnel(token);
    const statuses: number[] = [];
    try {
      for (const r of requests) {
        tls.write(r);
        statuses.push((await readMessage(tls, 5000)).status);
      }
    } finally {
      tls.destroy();
    }
    return { statuses, upstream: raw.requests().slice(before) };
  }

  const header = (r: { headers: [string, string][] }, name: string) =>
    r.headers.filter(([k]) => k === name).map(([, v]) => v);

  for (const method of ["GET", "DELETE", "OPTIONS", "HEAD"]) {
    for (const framing of ["chunked", "cl-named"] as const) {
      it(`an attested ${method} whose ${framing} body holds a request reaches the upstream as one request`, async () => {
        const body = Buffer.from(SMUGGLED);
        const { statuses, upstream } = await exchange([
          rawRequest({ method, path: "/v1/legit", att: att(), body, framing }),
          next(),
        ]);
        assert.deepEqual(statuses, [200, 200]);
        assert.deepEqual(
          upstream.map((r) => [r.method, r.target]),
          [
            [method, "/v1/legit"],
            ["GET", "/v1/next"],
          ],
        );
        assert.deepEqual(upstream[0]!.body, body);
        assert.deepEqual(upstream[1]!.body, Buffer.alloc(0));
        assert.deepEqual(header(upstream[0]!, "authorization"), [`Bearer ${h.canary}`]);
        assert.ok(raw.connections.every((c) => c.error === undefined));
      });
    }
  }

  it("a half request left in a body cannot swallow the agent's next attested request", async () => {
    const prefix = Buffer.from(
      `DELETE /admin/everything HTTP/1.1\r\nHost: ${RAW_HOST}\r\nContent-Length: 400\r\n\r\n`,
    );
    const { upstream } = await exchange([
      rawRequest({
        method: "GET",
        path: "/v1/legit",
        att: att(),
        body: prefix,
        framing: "chunked",
      }),
      next(),
    ]);
    assert.deepEqual(
      upstream.map((r) => r.target),
      ["/v1/legit", "/v1/next"],
    );
    assert.ok(!upstream.some((r) => r.target.startsWith("/admin")));
  });

  it("a body bound by hash on a binding: required route is sent with its exact length", async () => {
    const body = Buffer.from(SMUGGLED);
    const url = `https://${RAW_HOST}/bound/x`;
    const bodySha256 = createHash("sha256").update(body).digest("hex");
    const bound = h.attest({ method: "DELETE", url, bodySha256 });
    const { statuses, upstream } = await exchange([
      rawRequest({
        method: "DELETE",
        path: "/bound/x",
        att: bound.attestation,
        intent: bound.intent!,
        body,
        framing: "chunked",
      }),
      next(),
    ]);
    assert.deepEqual(statuses, [200, 200]);
    assert.deepEqual(header(upstream[0]!, "content-length"), [String(body.length)]);
    assert.deepEqual(header(upstream[0]!, "transfer-encoding"), []);
    assert.deepEqual(upstream[0]!.body, body);
    assert.equal(upstream.length, 2);
  });

  it("Connection cannot remove Host, Content-Length or the injected credential", async () => {
    const body = Buffer.from("0123456789");
    const { upstream } = await exchange([
      rawRequest({ method: "POST", path: "/v1/c", att: att(), body, framing: "host-named" }),
    ]);
    assert.equal(upstream.length, 1);
    assert.deepEqual(header(upstream[0]!, "host"), [RAW_HOST]);
    assert.deepEqual(header(upstream[0]!, "content-length"), ["10"]);
    assert.deepEqual(header(upstream[0]!, "authorization"), [`Bearer ${h.canary}`]);
    // Node's own keep-alive token only: none of the agent's Connection tokens travel.
    assert.deepEqual(header(upstream[0]!, "connection"), ["keep-alive"]);
  });

  it("never shares an upstream connection between agents", async () => {
    const a1 = await exchange([next()]);
    const a2 = await exchange([next()]);
    const b1 = await exchange([next(await signB())], b.token);
    assert.equal(a1.upstream[0]!.connection, a2.upstream[0]!.connection, "pooling still works");
    assert.notEqual(b1.upstream[0]!.connection, a1.upstream[0]!.connection);
    assert.deepEqual(header(b1.upstream[0]!, "authorization"), [`Bearer ${bCanary}`]);
  });

  it("another agent's request can never become the body of a half-sent request", async () => {
    const a = await tunnel();
    const head =
      `POST /v1/store HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n` +
      "Content-Length: 5000\r\n\r\n";
    a.write(head + "x".repeat(100));
    await waitFor(() => raw.connections.some((c) => c.bytes.includes("POST /v1/store")));
    const aConn = raw.connections.find((c) => c.bytes.includes("POST /v1/store"))!;
    const b1 = await exchange([next(await signB())], b.token);
    assert.deepEqual(b1.statuses, [200]);
    assert.equal(b1.upstream.length, 1);
    assert.notEqual(b1.upstream[0]!.connection, aConn.id);
    assert.ok(!aConn.bytes.includes(bCanary), "B's credential reached A's connection");
    a.destroy();
    await waitFor(() => aConn.closed);
    assert.equal(aConn.requests.filter((r) => r.target === "/v1/store").length, 0);
  });

  it("drops a connection whose upstream answered before the request body was sent", async () => {
    const tls = await tunnel();
    tls.write(
      `POST /early HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n` +
        "Content-Length: 200000\r\n\r\n" +
        "y".repeat(1000),
    );
    assert.equal((await readMessage(tls, 5000)).status, 200);
    const early = raw.connections.find((c) => c.bytes.includes("POST /early"))!;
    tls.write("y".repeat(199_000));
    await waitFor(() => early.closed);
    tls.destroy();
    const after = await exchange([next()]);
    assert.notEqual(after.upstream[0]!.connection, early.id);
  });

  it("closes the upstream connection when the agent abandons its body half-way", async () => {
    const tls = await tunnel();
    tls.write(
      `PUT /v1/upload HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n` +
        "Content-Length: 100000\r\n\r\n" +
        "z".repeat(1000),
    );
    await waitFor(() => raw.connections.some((c) => c.bytes.includes("PUT /v1/upload")));
    const conn = raw.connections.find((c) => c.bytes.includes("PUT /v1/upload"))!;
    tls.destroy();
    await waitFor(() => conn.closed);
    assert.ok(
      !conn.requests.some((r) => r.target === "/v1/upload"),
      "a half body was never completed upstream",
    );
  });

  it("sends the standard reason phrase, never the upstream's", async () => {
    const tls = await tunnel();
    try {
      tls.write(
        `GET /reason HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n\r\n`,
      );
      const head = await readHead(tls);
      assert.match(head, /^HTTP\/1\.1 401 Unauthorized\r\n/);
      assert.ok(!head.includes(h.canary));
    } finally {
      tls.destroy();
    }
  });

  it("decodes a gzip transfer coding before redaction", async () => {
    const tls = await tunnel();
    try {
      tls.write(
        `GET /te-gzip HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n\r\n`,
      );
      const res = await readMessage(tls, 5000);
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), `you sent Bearer ${"*".repeat(h.canary.length)}`);
      assert.equal(res.headers["transfer-encoding"] === "gzip", false);
      assert.ok(!tryGunzip(res.body).includes(h.canary));
    } finally {
      tls.destroy();
    }
  });

  it("refuses a transfer coding it cannot decode (502, outcome recorded)", async () => {
    const tls = await tunnel();
    try {
      tls.write(
        `GET /te-compress HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n\r\n`,
      );
      const res = await readMessage(tls, 5000);
      const requestId = expectErrorResponse(
        { connectStatus: 200, ...res },
        502,
        "ERR_UPSTREAM_FAILED",
      );
      const outcome = await h.waitForAudit(
        (r) => r.type === "outcome" && r["requestId"] === requestId,
      );
      assert.equal(outcome["error"], "ERR_UPSTREAM_FAILED");
    } finally {
      tls.destroy();
    }
  });

  it("refuses a WebSocket handshake that declares a body (400, audited, nothing upstream)", async () => {
    const before = raw.requests().length;
    const tls = await tunnel();
    try {
      tls.write(
        `GET /v1/ws HTTP/1.1\r\nHost: ${RAW_HOST}\r\nX-Sigil-Attestation: ${att()}\r\n` +
          "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n` +
          SMUGGLED,
      );
      const res = await readMessage(tls, 5000);
      const requestId = expectErrorResponse({ connectStatus: 200, ...res }, 400, "ERR_BAD_REQUEST");
      await h.waitForAudit((r) => r.type === "deny" && r["requestId"] === requestId);
      assert.equal(raw.requests().length, before);
    } finally {
      tls.destroy();
    }
  });

  it("a reload that revokes an agent closes that agent's idle upstream connections", async () => {
    const b1 = await exchange([next(await signB())], b.token);
    const conn = raw.connections[b1.upstream[0]!.connection]!;
    const a1 = await exchange([next()]);
    assert.equal(conn.closed, false, "kept alive in B's pool");
    await h.updateConfig((cfg) => {
      cfg.agents.find((x) => x.id === b.id)!.revoked_at = "2025-01-02T00:00:00Z";
    });
    await waitFor(() => conn.closed);
    assert.equal(raw.connections[a1.upstream[0]!.connection]!.closed, false, "A's pool is kept");
  });

  it("frames absolute-form plaintext requests the same way", async () => {
    await h.updateConfig((cfg) => {
      for (const r of cfg.routes) if (r.host === RAW_HOST) r.allow_plaintext = true;
      cfg.proxy.resolve = { ...cfg.proxy.resolve, [`${RAW_HOST}:80`]: `127.0.0.1:${plain.port}` };
    });
    const { connectTcp } = await import("../helpers/agent-client.js");
    const socket = await connectTcp(h.proxyPort);
    const auth = `Proxy-Authorization: Basic ${Buffer.from(`x:${h.agent.token}`).toString("base64")}\r\n`;
    try {
      for (const path of ["/v1/legit", "/v1/next"]) {
        const body = path === "/v1/legit" ? chunk(Buffer.from(SMUGGLED)) : Buffer.alloc(0);
        const te = body.length ? "Transfer-Encoding: chunked\r\n" : "";
        socket.write(
          `DELETE http://${RAW_HOST}${path} HTTP/1.1\r\nHost: ${RAW_HOST}\r\n${auth}` +
            `X-Sigil-Attestation: ${att()}\r\n${te}\r\n`,
        );
        socket.write(body);
        assert.equal((await readMessage(socket, 5000)).status, 200);
      }
    } finally {
      socket.destroy();
    }
    assert.deepEqual(
      plain.requests().map((r) => [r.method, r.target, r.body.toString()]),
      [
        ["DELETE", "/v1/legit", SMUGGLED],
        ["DELETE", "/v1/next", ""],
      ],
    );
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  for (const until = Date.now() + ms; !cond(); await sleep(10)) {
    if (Date.now() > until) throw new Error("condition not met in time");
  }
}

function readHead(socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (c: Buffer) => {
      buf += c.toString("latin1");
      if (buf.includes("\r\n\r\n")) {
        socket.off("data", onData);
        resolve(buf.slice(0, buf.indexOf("\r\n\r\n") + 4));
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

function tryGunzip(body: Buffer): string {
  try {
    return gunzipSync(body).toString();
  } catch {
    return "";
  }
}
