/**
 * Hostile HTTP on the wire (issue 5): malformed CONNECT targets, oversized and ambiguous header
 * blocks, smuggling shapes and host confusion, on the listener and inside a tunnel. Each one is
 * refused with its status and code, leaves one `deny` record, never reaches the upstream, and the
 * proxy still serves a normal attested request right after it.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentRawRequest, basicAuth, proxyRawRequest } from "../helpers/agent-client.js";
import {
  API_HOST,
  DEFAULT_ROUTES,
  startHarness,
  type Harness,
  type HarnessResponse,
} from "../helpers/harness.js";

type Where = "listener" | "tunnel";

/** What a case's bytes may use: a fresh attestation and the agent's Proxy-Authorization line. */
interface Ctx {
  att: string;
  auth: string;
}

interface HostileCase {
  name: string;
  where: Where;
  bytes: (ctx: Ctx) => string;
  status: number;
  code: string;
}

const BIG = "a".repeat(33 * 1024);
const OTHER_HOST = "evil.example.test";

/** An inner request to the routed host with a valid attestation, plus `extra` header lines. */
const inner = (ctx: Ctx, extra: string, opts: { method?: string; path?: string } = {}) =>
  `${opts.method ?? "GET"} ${opts.path ?? "/v1/x"} HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
  `X-Sigil-Attestation: ${ctx.att}\r\n${extra}\r\n`;
const connect = (ctx: Ctx, target: string, extra = "") =>
  `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${ctx.auth}${extra}\r\n`;
const absolute = (ctx: Ctx, url: string, extra = "") =>
  `GET ${url} HTTP/1.1\r\nHost: ${API_HOST}\r\n${ctx.auth}${extra}\r\n`;
const post = (ctx: Ctx, extra: string, body: string) =>
  inner(ctx, extra, { method: "POST" }) + body;

const bad = (where: Where, name: string, bytes: HostileCase["bytes"]): HostileCase => ({
  name,
  where,
  bytes,
  status: 400,
  code: "ERR_BAD_REQUEST",
});
const badConnect = (name: string, target: string) =>
  bad("listener", name, (c) => connect(c, target));
const httpUrl = `http://${API_HOST}/v1/x`;

const CASES: HostileCase[] = [
  badConnect("a CONNECT whose target is a path (CONNECT /x)", "/x"),
  badConnect("a CONNECT target without a port", API_HOST),
  badConnect("a CONNECT to port 0", `${API_HOST}:0`),
  badConnect("a CONNECT to port 99999", `${API_HOST}:99999`),
  badConnect("a CONNECT to an unclosed IPv6 bracket ([::1:443)", "[::1:443"),
  badConnect("a CONNECT target with a path after the port", `${API_HOST}:443/x`),
  bad("listener", "a CONNECT with a header block over 32 KiB", (c) =>
    connect(c, `${API_HOST}:443`, `X-Pad: ${BIG}\r\n`),
  ),
  bad("listener", "an absolute-form request with a header block over 32 KiB", (c) =>
    absolute(c, httpUrl, `X-Pad: ${BIG}\r\n`),
  ),
  bad("listener", "an absolute-form https:// request (a TLS downgrade)", (c) =>
    absolute(c, `https://${API_HOST}/v1/x`),
  ),
  bad("listener", "a bare CR inside a header value", (c) => absolute(c, httpUrl, "X-A: a\rb\r\n")),
  bad("listener", "an obs-fold continuation line", (c) =>
    absolute(c, httpUrl, "X-A: a\r\n  b\r\n"),
  ),
  bad("listener", "a NUL byte in the request target", (c) =>
    absolute(c, `http://${API_HOST}/v1/\0x`),
  ),
  bad("tunnel", "a header block over 32 KiB", (c) => inner(c, `X-Pad: ${BIG}\r\n`)),
  bad("tunnel", "a 40 KiB request target", (c) =>
    inner(c, "", { path: `/v1/${"b".repeat(40_960)}` }),
  ),
  bad("tunnel", "a bare CR inside a header value", (c) => inner(c, "X-A: a\rb\r\n")),
  bad("tunnel", "a bare LF injecting a header line", (c) =>
    inner(c, `X-A: a\nHost: ${OTHER_HOST}\r\n`),
  ),
  bad("tunnel", "a NUL byte inside a header value", (c) => inner(c, "X-A: a\0b\r\n")),
  bad("tunnel", "an obs-fold continuation line", (c) => inner(c, "X-A: a\r\n  b\r\n")),
  bad("tunnel", "Content-Length together with Transfer-Encoding", (c) =>
    post(c, "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
  ),
  bad("tunnel", "two equal Content-Length headers", (c) =>
    post(c, "Content-Length: 2\r\nContent-Length: 2\r\n", "ab"),
  ),
  bad("tunnel", "two different Content-Length headers", (c) =>
    post(c, "Content-Length: 2\r\nContent-Length: 3\r\n", "abc"),
  ),
  bad("tunnel", "a Content-Length list", (c) => post(c, "Content-Length: 3, 3\r\n", "abc")),
  bad("tunnel", "Transfer-Encoding chunked sent twice", (c) =>
    post(c, "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
  ),
  bad("tunnel", "Transfer-Encoding gzip, chunked", (c) =>
    post(c, "Transfer-Encoding: gzip, chunked\r\n", "3\r\nabc\r\n0\r\n\r\n"),
  ),
  bad("tunnel", "whitespace before the colon of Transfer-Encoding", (c) =>
    post(c, "Transfer-Encoding : chunked\r\n", "0\r\n\r\n"),
  ),
  bad("tunnel", "a second Host header", (c) => inner(c, `Host: ${OTHER_HOST}\r\n`)),
  // Node's parser keeps about the first 1000 header lines by default and silently drops the rest
  // (server.maxHeadersCount): the proxy must not decide on a truncated header set.
  bad("tunnel", "a second Host header after 1100 filler lines", (c) =>
    inner(c, "A: b\r\n".repeat(1100) + `Host: ${OTHER_HOST}\r\n`),
  ),
  bad("tunnel", "a NUL byte in the path", (c) => inner(c, "", { path: "/v1/\0x" })),
  bad("tunnel", "an encoded NUL byte in the path", (c) => inner(c, "", { path: "/v1/%00x" })),
  bad("tunnel", "an h2c upgrade (tunnel smuggling)", (c) =>
    inner(c, "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n"),
  ),
  bad(
    "tunnel",
    "an unknown HTTP version",
    (c) => `GET /v1/x HTTP/9.9\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${c.att}\r\n\r\n`,
  ),
  {
    name: "an inner Host naming another host",
    where: "tunnel",
    bytes: (c) =>
      `GET /v1/x HTTP/1.1\r\nHost: ${OTHER_HOST}\r\nX-Sigil-Attestation: ${c.att}\r\n\r\n`,
    status: 421,
    code: "ERR_HOST_MISMATCH",
  },
  {
    name: "an absolute-form https:// target naming another host",
    where: "tunnel",
    bytes: (c) =>
      `GET https://${OTHER_HOST}/v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
      `X-Sigil-Attestation: ${c.att}\r\n\r\n`,
    status: 421,
    code: "ERR_HOST_MISMATCH",
  },
];

describe("hostile HTTP on the listener and inside a tunnel", () => {
  let h: Harness;
  before(async () => {
    // The framing cases carry attestations bound to no request: these routes opt out of binding
    // (binding itself is tested in test/proxy/attestation.test.ts).
    h = await startHarness({ routes: DEFAULT_ROUTES.map((r) => ({ ...r, binding: "optional" })) });
  });
  after(() => h.stop());

  const ctx = (): Ctx => ({
    att: h.attest().attestation,
    auth: `Proxy-Authorization: ${basicAuth(h.agent.token)}\r\n`,
  });

  async function send(where: Where, raw: string | Buffer, untilClose = false) {
    const seen = h.upstream.requests.length;
    const res =
      where === "listener"
        ? await proxyRawRequest({ proxyPort: h.proxyPort, raw, timeoutMs: 5000 })
        : await agentRawRequest({ ...h.tunnel(), raw, untilClose, timeoutMs: 5000 });
    h.responses.push(res);
    return { ...res, upstreamRequests: h.upstream.requests.slice(seen) } as HarnessResponse;
  }

  async function countReleases(): Promise<number> {
    return (await h.readAudit()).filter((r) => r.type === "release").length;
  }

  async function expectStillServing(): Promise<void> {
    const res = await h.attested({ path: "/v1/after" });
    assert.equal(res.status, 200, "the proxy still serves a normal attested request");
    assert.equal(res.upstreamRequests[0]?.headers.authorization, `Bearer ${h.canary}`);
  }

  for (const c of CASES) {
    it(`refuses ${c.name} (${c.where}) with ${c.status} ${c.code}`, async () => {
      const releases = await countReleases();
      const res = await send(c.where, c.bytes(ctx()));
      assert.equal(await countReleases(), releases, "no credential was released");
      await h.expectDenied(res, c.status, c.code);
      await expectStillServing();
    });
  }

  it("answers 421 to a pipelined second request for another host and never forwards it", async () => {
    const c = ctx();
    const second =
      `GET /v1/second HTTP/1.1\r\nHost: ${OTHER_HOST}\r\n` +
      `X-Sigil-Attestation: ${h.attest().attestation}\r\nConnection: close\r\n\r\n`;
    const res = await send("tunnel", inner(c, "", { path: "/v1/first" }) + second, true);
    assert.equal(res.status, 200, "the first request is served");
    const rest = res.body.subarray(firstBody(res).length).toString("latin1");
    const at = rest.indexOf("HTTP/1.1 421 ");
    assert.ok(at >= 0, "the second response is a 421");
    assert.match(rest.slice(at), /\r\nx-sigil-error: ERR_HOST_MISMATCH\r\n/i);
    const id = /"requestId":"([0-9a-f-]{36})"/.exec(rest.slice(at))?.[1];
    assert.deepEqual(
      res.upstreamRequests.map((r) => r.url),
      ["/v1/first"],
      "only the first request reached the upstream",
    );
    const deny = await h.waitForAudit((r) => r.type === "deny" && r["requestId"] === id);
    assert.equal(deny["code"], "ERR_HOST_MISMATCH");
    await expectStillServing();
  });

  it("never parses the body of a refused request as a second request", async () => {
    const smuggled =
      `GET /v1/smuggled HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
      `X-Sigil-Attestation: ${h.attest().attestation}\r\n\r\n`;
    const first =
      `POST /admin HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
      `Content-Length: ${Buffer.byteLength(smuggled)}\r\n\r\n${smuggled}`;
    const last = `GET /nowhere HTTP/1.1\r\nHost: ${API_HOST}\r\nConnection: close\r\n\r\n`;
    const res = await send("tunnel", first + last, true);
    await h.expectDenied({ ...res, body: firstBody(res) }, 403, "ERR_NO_ROUTE");
    assert.ok(!res.body.toString("latin1").includes("HTTP/1.1 200"), "nothing was served");
    assert.deepEqual(res.upstreamRequests, []);
    await expectStillServing();
  });

  it("drops a tunnel that speaks plaintext HTTP instead of TLS", async () => {
    const seen = h.upstream.requests.length;
    const res = await proxyRawRequest({
      proxyPort: h.proxyPort,
      raw: connect(ctx(), `${API_HOST}:443`) + inner(ctx(), ""),
      timeoutMs: 5000,
    });
    assert.equal(res.status, 200, "CONNECT itself was fine");
    assert.equal(h.upstream.requests.length, seen, "nothing reached the upstream");
    await expectStillServing();
  });

  it("leaves no credential, agent token or attestation in responses, logs or files", async () => {
    const secrets = [h.canary, h.agent.token, ...h.minted];
    const texts = [
      ...h.responses.map((r) => JSON.stringify(r.headers) + r.body.toString("latin1")),
      ...h.logs,
    ];
    const entries = await readdir(h.home.root, { withFileTypes: true, recursive: true });
    for (const e of entries.filter((x) => x.isFile())) {
      texts.push(await readFile(join(e.parentPath, e.name), "latin1"));
    }
    for (const [i, secret] of secrets.entries()) {
      assert.ok(!texts.some((t) => t.includes(secret)), `secret #${i} leaked`);
    }
  });
});

/** The first response's body out of an "until close" capture (its Content-Length framing). */
function firstBody(res: HarnessResponse): Buffer {
  return res.body.subarray(0, Number(res.headers["content-length"]));
}
