/**
 * Leak audit (spec §1, §9): every scenario — allowed, each refusal, backend and upstream faults,
 * aborts, limits, shutdown — runs on its own proxy with its own canary credentials, agent token
 * and attestations; then every response, log line and file under every home is searched for every
 * one of those secrets in raw, base64, base64url, hex and URL-encoded form.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { generateAgentToken } from "../../src/agents.js";
import { agentRawRequest, openKeepAliveTunnel, openTunnel } from "../helpers/agent-client.js";
import type { AgentResponse } from "../helpers/agent-client.js";
import {
  API_HOST,
  DEFAULT_ROUTES,
  expectErrorResponse,
  startHarness,
  type Harness,
  type HarnessOptions,
} from "../helpers/harness.js";
import { closedWithin, connectProxy, dribble } from "../helpers/slow-peer.js";
import { fileHaystacks, needleForms, scan, type Haystack, type Needle } from "./needles.js";

/** A scenario: proxy settings, and what the agent does (each step checks its own answer). */
interface Scenario {
  name: string;
  proxy?: HarnessOptions["proxy"];
  run(h: Harness, extra: string, raw: AgentResponse[]): Promise<void>;
}

const status = (want: number) => (res: AgentResponse) => assert.equal(res.status, want);

const scenarios: Scenario[] = [
  {
    name: "allowed requests, echoed credentials and streams",
    async run(h) {
      status(200)(await h.attested({ method: "POST", path: "/v1/chat", body: '{"q":"hi"}' }));
      const echoed = await h.attested({ path: "/echo-headers" });
      status(200)(echoed);
      assert.equal(echoed.upstreamRequests[0]?.headers.authorization, `Bearer ${h.canary}`);
      status(200)(await h.attested({ path: "/sse?n=3&ms=20" }));
      status(302)(await h.attested({ path: "/status/302" }));
      status(500)(await h.attested({ path: "/status/500" }));
      status(200)(await h.attested({ path: "/query/x" }));
      status(200)(await h.attested({ path: "/basic/x" }));
    },
  },
  {
    name: "each attestation and agent refusal",
    async run(h) {
      const once = h.attest({ method: "GET", url: h.url("/v1/once") });
      const headers = { "x-sigil-attestation": once.attestation, "x-sigil-intent": once.intent! };
      status(200)(await h.request({ path: "/v1/once", headers }));
      status(403)(await h.request({ path: "/v1/once", headers }));
      status(403)(await h.request({ path: "/v1/x" }));
      status(403)(
        await h.request({ path: "/v1/x", headers: { "x-sigil-attestation": "garbage" } }),
      );
      status(407)(await h.request({ path: "/v1/x", token: generateAgentToken() }));
      status(407)(await h.request({ path: "/v1/x", authHeader: `Bearer ${h.agent.token}x` }));
      status(403)(await h.request({ host: "elsewhere.example.test", path: "/v1/x" }));
      status(421)(await h.attested({ path: "/v1/x", headers: { host: "evil.example.test" } }));
      status(403)(await h.attested({ path: "/admin" }));
      const expired = await h.sign({ iat: 1_000_000_000, exp: 1_000_000_060 });
      status(403)(await h.request({ path: "/v1/x", headers: { "x-sigil-attestation": expired } }));
      const wrongIntent = h.attest({ method: "GET", url: h.url("/v1/other") });
      const mismatch = {
        "x-sigil-attestation": wrongIntent.attestation,
        "x-sigil-intent": wrongIntent.intent!,
      };
      status(403)(await h.request({ path: "/v1/x", headers: mismatch }));
    },
  },
  {
    name: "malformed HTTP, oversized heads and bodies",
    proxy: { max_body_bytes: 16 },
    async run(h, _extra, raw) {
      const dup = `POST /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`;
      raw.push(await agentRawRequest({ ...h.tunnel(), raw: dup }));
      const big = `GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${h.attest().attestation}\r\nX-Big: ${"b".repeat(33 * 1024)}\r\n\r\n`;
      raw.push(await agentRawRequest({ ...h.tunnel(), raw: big }));
      const body = "x".repeat(64);
      const { createHash } = await import("node:crypto");
      const bodySha256 = createHash("sha256").update(body).digest("hex");
      const bound = h.attest({ method: "POST", url: h.url("/v1/x"), bodySha256 });
      const headers = { "x-sigil-attestation": bound.attestation, "x-sigil-intent": bound.intent! };
      status(413)(await h.request({ method: "POST", path: "/v1/x", body, headers }));
      for (const r of raw) assert.equal(r.status, 400);
    },
  },
  {
    name: "backend faults: unset variable, missing JSON field, control bytes, missing basic fields",
    async run(h) {
      status(502)(await h.attested({ path: "/missing/x" }));
      status(502)(await h.attested({ path: "/json-missing/x" }));
      status(200)(await h.attested({ path: "/json/x" }));
      expectErrorResponse(await h.attested({ path: "/ctrl/x" }), 502, "ERR_INJECTION_FAILED");
      status(502)(await h.attested({ path: "/basic-missing/x" }));
    },
  },
  {
    name: "upstream faults: TLS that does not verify, deadline, idle body",
    proxy: { deadline_ms: 300, idle_timeout_ms: 1000 },
    async run(h) {
      status(502)(await h.attested({ host: "localhost", path: "/x" }));
      status(504)(await h.attested({ path: "/slow-head?ms=1000" }));
      const idle = await h.attested({ path: "/stream?ms=1500&chunks=2" }).catch(() => undefined);
      assert.ok(idle === undefined || idle.status === 200);
    },
  },
  {
    name: "aborts: before the head and mid-stream",
    async run(h) {
      for (const path of ["/slow-head?ms=500", "/stream?ms=50&chunks=20"]) {
        const opened = await openTunnel(h.tunnel());
        assert.ok("tls" in opened);
        const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
        opened.tls.write(
          `GET ${path} HTTP/1.1\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${attestation}\r\nX-Sigil-Intent: ${intent!}\r\n\r\n`,
        );
        if (path.startsWith("/stream")) await new Promise((r) => opened.tls.once("data", r));
        opened.tls.destroy();
      }
      await h.waitForAudit((r) => r["error"] === "ERR_CLIENT_ABORTED");
    },
  },
  {
    name: "limits: tunnel cap and head timeouts",
    proxy: { max_tunnels_per_agent: 1, header_timeout_ms: 1000 },
    async run(h, _extra, raw) {
      const held = await openKeepAliveTunnel(h.tunnel());
      try {
        status(403)(await held.request({ path: "/unrouted" })); // idle kept-alive from here on
        status(429)(await h.attested({ path: "/v1/x" }));
      } finally {
        held.close();
      }
      await new Promise((r) => setTimeout(r, 100));
      const socket = await connectProxy(h.proxyPort);
      const auth = Buffer.from(`x:${h.agent.token}`).toString("base64");
      socket.write(`CONNECT ${API_HOST}:443 HTTP/1.1\r\nProxy-Authorization: Basic ${auth}\r\n`);
      dribble(socket, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 100);
      const closed = await closedWithin(socket, 5000);
      raw.push({
        connectStatus: 408,
        status: 408,
        headers: {},
        body: Buffer.from(closed.received),
      });
      assert.match(closed.received, /^HTTP\/1\.1 408 /);
    },
  },
  {
    name: "shutdown with a request in flight and one after it began",
    async run(h) {
      const tunnel = await openKeepAliveTunnel(h.tunnel());
      try {
        const path = "/slow-head?ms=400";
        const headers = (p: string) => {
          const a = h.attest({ method: "GET", url: h.url(p) });
          return { "x-sigil-attestation": a.attestation, "x-sigil-intent": a.intent! };
        };
        const inflight = tunnel.request({ path, headers: headers(path) });
        await new Promise((r) => setTimeout(r, 100));
        const stopping = h.stopProxy(3000);
        const first = await inflight;
        h.responses.push(first);
        status(200)(first);
        const late = await tunnel.request({ path: "/v1/late", headers: headers("/v1/late") });
        h.responses.push(late);
        status(503)(late);
        await stopping;
      } finally {
        tunnel.close();
      }
    },
  },
];

describe(
  "leak audit: unique secrets per scenario, searched for everywhere",
  { timeout: 120_000 },
  () => {
    const needles: Needle[] = [];
    const haystacks: Haystack[] = [];
    const upstreamSaw: Buffer[] = [];
    const running: Harness[] = [];
    after(() => Promise.all(running.map((h) => h.stop())));

    for (const s of scenarios) {
      it(`runs: ${s.name}`, async () => {
        const extra = `canary-${randomBytes(16).toString("hex")}`;
        const h = await startHarness({
          routes: ROUTES,
          env: {
            JSON_CREDS: JSON.stringify({ token: extra, username: "user", password: `${extra}-pw` }),
            CTRL_KEY: `${extra}\r\nx-evil: 1`,
          },
          ...(s.proxy ? { proxy: s.proxy } : {}),
        });
        running.push(h);
        const raw: AgentResponse[] = [];
        await s.run(h, extra, raw);
        await h.stopProxy();
        const label = `[${s.name}]`;
        needles.push(
          ...needleForms(`${label} credential`, h.canary),
          ...needleForms(`${label} JSON credential`, extra),
          ...needleForms(`${label} agent token`, h.agent.token),
        );
        for (const [i, token] of h.minted.entries()) {
          needles.push(...needleForms(`${label} attestation #${i}`, token));
          needles.push(
            ...needleForms(`${label} attestation #${i} signature`, token.split(".")[2] ?? token),
          );
        }
        for (const [i, res] of [...h.responses, ...raw].entries()) {
          haystacks.push([
            `${label} response #${i} headers`,
            Buffer.from(JSON.stringify(res.headers)),
          ]);
          haystacks.push([`${label} response #${i} body`, res.body]);
        }
        haystacks.push([`${label} log lines`, Buffer.from(h.logs.join("\n"))]);
        haystacks.push(...(await fileHaystacks(h.home.root, label)));
        upstreamSaw.push(
          Buffer.from(JSON.stringify(h.upstream.requests.map((r) => [r.url, r.headers]))),
        );
        assert.ok(h.logs.length > 0 && h.minted.length > 0);
      });
    }

    it("finds none of them in any response, log line or file", () => {
      assert.ok(haystacks.some(([where]) => where.includes("file audit/")));
      assert.deepEqual(scan(haystacks, needles), []);
    });

    it("the same scan finds a credential upstream, and every planted form (self-check)", () => {
      const first = needles.filter((n) =>
        n.name.startsWith(`[${scenarios[0]!.name}] credential (`),
      );
      const upstream = upstreamSaw.map((b, i) => [`upstream ${i}`, b] as const);
      assert.deepEqual(scan(upstream, first), [`${first[0]!.name} in upstream 0`]);
      const planted = first.map((n): Haystack => [
        n.name,
        Buffer.concat([Buffer.from("x"), n.bytes]),
      ]);
      // Forms that coincide (URL-encoding a hex canary changes nothing) are searched once.
      assert.equal(scan(planted, first).length, first.length);
    });
  },
);

const ROUTES = [
  ...DEFAULT_ROUTES,
  { path: "/echo-headers" },
  { path: "/admin-only", methods: ["DELETE"] },
  { path: "/missing/*", secret: "MISSING_KEY" },
  { path: "/json/*", secret: "JSON_CREDS#token" },
  { path: "/json-missing/*", secret: "JSON_CREDS#absent" },
  { path: "/ctrl/*", secret: "CTRL_KEY" },
  { path: "/query/*", inject: "query:api_key" },
  { path: "/basic/*", secret: "JSON_CREDS", inject: "basic" },
  { path: "/basic-missing/*", inject: "basic" },
  { host: "localhost", path: "/*", upstreamCa: false },
];
