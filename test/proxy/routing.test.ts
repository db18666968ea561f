/**
 * Refusals decided from the request itself, before any attestation or credential (spec §3, §4, §6):
 * unrouted hosts (inside an accepted tunnel that forwards nothing), paths and methods; plain http without --allow-plaintext; absolute
 * https; an inner Host that is not the tunnel's; and malformed or ambiguous HTTP.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  agentRawRequest,
  basicAuth,
  openKeepAliveTunnel,
  proxyRawRequest,
} from "../helpers/agent-client.js";
import {
  API_HOST,
  expectErrorResponse,
  startHarness,
  type Harness,
  type HarnessResponse,
} from "../helpers/harness.js";

describe("routing and request-shape refusals", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  /** Raw bytes to the listener or inside a tunnel, with the upstream requests seen meanwhile. */
  async function raw(where: "listener" | "tunnel", bytes: string): Promise<HarnessResponse> {
    const seen = h.upstream.requests.length;
    const res =
      where === "listener"
        ? await proxyRawRequest({ proxyPort: h.proxyPort, raw: bytes })
        : await agentRawRequest({ ...h.tunnel(), raw: bytes });
    h.responses.push(res);
    return { ...res, upstreamRequests: h.upstream.requests.slice(seen) };
  }

  it("answers every request in a tunnel to a host no route covers with ERR_NO_ROUTE", async () => {
    const { attestation } = h.attest();
    const res = await h.request({
      host: "other.example.test",
      path: "/v1/x",
      headers: { "x-sigil-attestation": attestation },
    });
    assert.equal(res.connectStatus, 200, "accepted so that the agent can read the refusal");
    const id = await h.expectDenied(res, 403, "ERR_NO_ROUTE");
    const deny = (await h.readAudit()).find((r) => r["requestId"] === id)!;
    assert.equal(deny["host"], "other.example.test:443");
    assert.equal(deny["path"], "/v1/x");
    assert.deepEqual(deny["agent"], { id: h.agent.id, name: h.agent.name });
  });

  it("answers ERR_NO_ROUTE in a tunnel to a routed host on another port", async () => {
    const res = await h.request({ port: 8443, path: "/v1/x" });
    assert.equal(res.connectStatus, 200);
    await h.expectDenied(res, 403, "ERR_NO_ROUTE");
  });

  it("never forwards from an unrouted tunnel, even after a route for its host appears", async () => {
    const tunnel = await openKeepAliveTunnel(h.tunnel({ host: "late.example.test" }));
    try {
      const seen = h.upstream.requests.length;
      const first = await tunnel.request({ path: "/v1/x" });
      expectErrorResponse(first, 403, "ERR_NO_ROUTE");
      await h.updateConfig((cfg) => {
        const route = cfg.routes[0]!;
        cfg.routes.push({ ...route, id: "rt_latehost1", host: "late.example.test" });
      });
      const { attestation } = h.attest();
      const second = await tunnel.request({
        path: "/v1/x",
        headers: { "x-sigil-attestation": attestation },
      });
      expectErrorResponse(second, 403, "ERR_NO_ROUTE");
      const upgrade = await tunnel.request({
        path: "/v1/x",
        headers: {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
      expectErrorResponse(upgrade, 403, "ERR_NO_ROUTE");
      assert.equal(h.upstream.requests.length, seen, "the upstream saw nothing");
    } finally {
      tunnel.close();
    }
  });

  const noRouteCases: [string, { method?: string; path: string }][] = [
    ["a path no route covers", { path: "/admin" }],
    ["a sibling that only shares a prefix", { path: "/v10/x" }],
    ["a dot segment climbing out of the route", { path: "/v1/../admin" }],
    ["a method the route does not allow", { method: "DELETE", path: "/v1/x" }],
  ];
  for (const [name, req] of noRouteCases) {
    it(`refuses ${name} inside the tunnel with ERR_NO_ROUTE`, async () => {
      const res = await h.attested(req);
      assert.equal(res.connectStatus, 200);
      await h.expectDenied(res, 403, "ERR_NO_ROUTE");
    });
  }

  it("refuses absolute-form http:// to a route without allow_plaintext", async () => {
    const { attestation } = h.attest();
    const res = await raw(
      "listener",
      `GET http://${API_HOST}/v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
        `Proxy-Authorization: ${basicAuth(h.agent.token)}\r\n` +
        `X-Sigil-Attestation: ${attestation}\r\nConnection: close\r\n\r\n`,
    );
    await h.expectDenied(res, 403, "ERR_PLAINTEXT_REFUSED");
  });

  it("refuses absolute-form https:// (no TLS downgrade) with 400", async () => {
    const res = await raw(
      "listener",
      `GET https://${API_HOST}/v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n` +
        `Proxy-Authorization: ${basicAuth(h.agent.token)}\r\nConnection: close\r\n\r\n`,
    );
    await h.expectDenied(res, 400, "ERR_BAD_REQUEST");
  });

  const hostCases: [string, string][] = [
    ["another host", "evil.example.test"],
    ["the right host on another port", `${API_HOST}:8443`],
  ];
  for (const [name, host] of hostCases) {
    it(`refuses an inner Host naming ${name} with 421`, async () => {
      const res = await h.attested({ path: "/v1/x", headers: { host } });
      await h.expectDenied(res, 421, "ERR_HOST_MISMATCH");
    });
  }

  /** Malformed or ambiguous requests; `att` is a valid attestation, so only the shape is wrong. */
  const malformed: [string, "tunnel" | "listener", (att: string) => string][] = [
    [
      "Content-Length together with Transfer-Encoding",
      "tunnel",
      (att) =>
        `POST /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${att}\r\n` +
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "two Content-Length headers",
      "tunnel",
      (att) =>
        `POST /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${att}\r\n` +
        "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab",
    ],
    [
      "no Host header",
      "tunnel",
      (att) => `GET /v1/x HTTP/1.1\r\nX-Sigil-Attestation: ${att}\r\n\r\n`,
    ],
    [
      "two Host headers",
      "tunnel",
      (att) =>
        `GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\nHost: evil.example.test\r\n` +
        `X-Sigil-Attestation: ${att}\r\n\r\n`,
    ],
    [
      "a CONNECT method inside the tunnel",
      "tunnel",
      () => `CONNECT ${API_HOST}:443 HTTP/1.1\r\nHost: ${API_HOST}:443\r\n\r\n`,
    ],
    [
      "an absolute-form http:// target but no Host header",
      "listener",
      (att) =>
        `GET http://${API_HOST}/v1/x HTTP/1.1\r\nX-Sigil-Attestation: ${att}\r\n` +
        `Proxy-Authorization: ${basicAuth(h.agent.token)}\r\n\r\n`,
    ],
  ];
  for (const [name, where, bytes] of malformed) {
    it(`refuses an HTTP/1.1 request with ${name} with 400 ERR_BAD_REQUEST`, async () => {
      const res = await raw(where, bytes(h.attest().attestation));
      await h.expectDenied(res, 400, "ERR_BAD_REQUEST");
    });
  }

  it("refuses a path with an encoded slash with 400", async () => {
    const res = await h.attested({ path: "/v1/a%2fb" });
    await h.expectDenied(res, 400, "ERR_BAD_REQUEST");
  });
});
