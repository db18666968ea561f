// The fake upstream is a test dependency of the whole proxy suite, so its routes, recording,
// keep-alive and prompt shutdown are pinned here against real clients.
import assert from "node:assert/strict";
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { after, describe, it } from "node:test";
import { createTestPki } from "../helpers/pki.js";
import { BIG_BODY_PERIOD, startPlainUpstream, startUpstream } from "../helpers/upstream.js";

interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly chunks: Buffer[];
  readonly headMs: number;
}

interface Call {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
  ca?: string;
  agent?: Agent;
  servername?: string;
  plain?: boolean;
}

function call(port: number, path: string, options: Call = {}): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const common = { host: "127.0.0.1", port, path, method: options.method ?? "GET" };
    const onResponse = (res: IncomingMessage) => {
      const headMs = performance.now() - started;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chunks, headMs });
      });
    };
    const req = options.plain
      ? httpRequest({ ...common, headers: options.headers, agent: false }, onResponse)
      : httpsRequest(
          {
            ...common,
            headers: options.headers,
            ca: options.ca,
            servername: options.servername ?? "api.example.test",
            agent: options.agent ?? false,
          },
          onResponse,
        );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("fake HTTPS upstream", async () => {
  const pki = createTestPki();
  const upstream = await startUpstream({ pki });
  after(() => upstream.close());
  const ca = upstream.caPem;

  it("answers the default route with the path only and records the request as received", async () => {
    const reply = await call(upstream.port, "/v1/things?api_key=s3cr3t", {
      method: "POST",
      headers: { "X-Custom": "A", Authorization: "Bearer tok3n" },
      body: "hello",
      ca,
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(reply.body.toString()), { ok: true, path: "/v1/things" });
    const recorded = upstream.requests.at(-1);
    assert.equal(recorded?.method, "POST");
    assert.equal(recorded?.url, "/v1/things?api_key=s3cr3t");
    assert.equal(recorded?.headers["authorization"], "Bearer tok3n");
    assert.ok(recorded?.rawHeaders.includes("X-Custom"));
    assert.equal(recorded?.body.toString(), "hello");
    assert.equal(recorded?.servername, "api.example.test");
  });

  it("keeps a connection alive across requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
    const before = upstream.connections;
    await call(upstream.port, "/one", { agent });
    await call(upstream.port, "/two", { agent });
    assert.equal(upstream.connections - before, 1);
    agent.destroy();
  });

  it("echoes headers only on /echo-headers", async () => {
    const reply = await call(upstream.port, "/echo-headers", { headers: { "x-probe": "1" }, ca });
    assert.equal(JSON.parse(reply.body.toString())["x-probe"], "1");
  });

  it("sends server-sent events one at a time", async () => {
    const reply = await call(upstream.port, "/sse?n=3&ms=60", { ca });
    assert.equal(reply.headers["content-type"], "text/event-stream");
    assert.deepEqual(
      reply.chunks.map((chunk) => chunk.toString()),
      [0, 1, 2].map((n) => `id: ${n}\ndata: {"n":${n}}\n\n`),
    );
  });

  it("delays the response head on /slow-head", async () => {
    const reply = await call(upstream.port, "/slow-head?ms=200", { ca });
    assert.ok(reply.headMs >= 190, `head after ${reply.headMs} ms`);
  });

  it("streams a chunked body on /stream", async () => {
    const reply = await call(upstream.port, "/stream?chunks=3&ms=20", { ca });
    assert.equal(reply.headers["transfer-encoding"], "chunked");
    assert.equal(reply.body.toString(), "chunk 0\nchunk 1\nchunk 2\n");
  });

  const statuses: [string, number, string | undefined][] = [
    ["a 302 carries a Location", 302, "/redirected"],
    ["a 301 carries a Location", 301, "/redirected"],
    ["a 404 has none", 404, undefined],
  ];
  for (const [name, code, location] of statuses) {
    it(`answers /status/${code}: ${name}`, async () => {
      const reply = await call(upstream.port, `/status/${code}`, { ca });
      assert.equal(reply.status, code);
      assert.equal(reply.headers.location, location);
    });
  }

  it("sends exactly N patterned bytes on /big", async () => {
    const reply = await call(upstream.port, "/big?bytes=1000003", { ca });
    assert.equal(reply.body.length, 1_000_003);
    assert.equal(reply.headers["content-length"], "1000003");
    for (const i of [0, 250, 251, 65_535, 1_000_002])
      assert.equal(reply.body[i], i % BIG_BODY_PERIOD);
  });

  it("is not trusted without its own CA", async () => {
    await assert.rejects(call(upstream.port, "/"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
  });

  it("presents a certificate for the configured hosts only", async () => {
    const narrow = await startUpstream({ pki, hosts: ["only.example.test"] });
    try {
      await assert.rejects(call(narrow.port, "/", { ca }), {
        code: "ERR_TLS_CERT_ALTNAME_INVALID",
      });
      const reply = await call(narrow.port, "/", { ca, servername: "only.example.test" });
      assert.equal(reply.status, 200);
    } finally {
      await narrow.close();
    }
  });

  it("closes promptly with an idle keep-alive socket and a stream in flight", async () => {
    const busy = await startUpstream({ pki });
    const agent = new Agent({ keepAlive: true, ca });
    await call(busy.port, "/", { agent });
    const stream = call(busy.port, "/sse?n=1000&ms=100", { ca });
    while (busy.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await busy.close();
    assert.ok(performance.now() - started < 1000);
    await assert.rejects(stream);
    agent.destroy();
  });
});

describe("fake plain-HTTP upstream", async () => {
  const upstream = await startPlainUpstream();
  after(() => upstream.close());

  it("serves the same routes and records no TLS server name", async () => {
    const reply = await call(upstream.port, "/status/302", { plain: true });
    assert.equal(reply.status, 302);
    assert.equal(reply.headers.location, "/redirected");
    const ok = await call(upstream.port, "/x", { plain: true });
    assert.deepEqual(JSON.parse(ok.body.toString()), { ok: true, path: "/x" });
    assert.equal(upstream.requests.at(-1)?.servername, null);
    assert.equal(upstream.connections, 2);
  });
});
