/**
 * The happy path end to end (spec §3, §6, §8): an authenticated, routed, attested request gets the
 * credential injected upstream and nothing Sigil-specific leaks either way; the audit log holds a
 * durable `release` followed by its `outcome`. Also: redirects relayed, keep-alive tunnels, /healthz.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { agentRawRequest, openKeepAliveTunnel, proxyRawRequest } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";

describe("an allowed request through the proxy", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it("injects the credential upstream and strips every proxy and Sigil header", async () => {
    const res = await h.attested({
      method: "POST",
      path: "/v1/chat?x=1",
      body: '{"q":1}',
      headers: {
        "content-type": "application/json",
        authorization: "Bearer agent-supplied",
        "proxy-connection": "keep-alive",
        "x-sigil-extra": "1",
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { ok: true, path: "/v1/chat" });
    assert.equal(res.upstreamRequests.length, 1);
    const seen = res.upstreamRequests[0]!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/v1/chat?x=1");
    assert.equal(seen.servername, API_HOST);
    assert.equal(seen.headers.host, API_HOST);
    assert.equal(seen.headers.authorization, `Bearer ${h.canary}`);
    assert.equal(seen.body.toString(), '{"q":1}');
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    assert.equal(names.filter((n) => n === "authorization").length, 1);
    for (const name of names) {
      assert.ok(!name.startsWith("x-sigil-"), `${name} reached the upstream`);
      assert.notEqual(name, "proxy-authorization");
      assert.notEqual(name, "proxy-connection");
    }
    assert.ok(!JSON.stringify(res.headers).includes(h.canary));
    assert.ok(!res.body.includes(h.canary));
  });

  it("audits a durable release, then an outcome linked to it", async () => {
    const res = await h.attested({ path: "/v1/audited" });
    assert.equal(res.status, 200);
    const outcome = await h.waitForAudit((r) => r.type === "outcome" && r["status"] === 200);
    const records = await h.readAudit();
    const release = records.find(
      (r) => r.type === "release" && r["requestId"] === outcome["requestId"],
    );
    assert.ok(release, "a release record precedes the outcome");
    assert.ok(release.seq < outcome.seq);
    assert.equal(outcome["release"], release.hash);
    assert.equal(release["path"], "/v1/chat");
    const last = records.filter((r) => r.type === "release").at(-1)!;
    assert.equal(last["path"], "/v1/audited");
    assert.equal(last["method"], "GET");
    assert.equal(last["host"], API_HOST);
    assert.equal(last["binding"], "verified");
    assert.equal(last["agentId"], h.agent.name);
    assert.equal(last["secretRef"], "DEMO_KEY");
    assert.match(String(last["replayId"]), /^sha256:[0-9a-f]{64}$/);
    const lastOutcome = await h.waitForAudit(
      (r) => r.type === "outcome" && r["requestId"] === last["requestId"],
    );
    assert.equal(lastOutcome["release"], last.hash);
    assert.equal(lastOutcome["status"], 200);
  });

  it("returns a redirect to the agent instead of following it", async () => {
    const res = await h.attested({ path: "/status/302" });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, "/redirected");
    assert.equal(res.upstreamRequests.length, 1);
    assert.equal(res.upstreamRequests[0]!.url, "/status/302");
  });

  it("serves several requests on one kept-alive tunnel, each with a fresh attestation", async () => {
    const before = h.upstream.requests.length;
    const tunnel = await openKeepAliveTunnel(h.tunnel());
    try {
      for (const path of ["/v1/one", "/v1/two", "/v1/three"]) {
        const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
        const res = await tunnel.request({
          path,
          headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
        });
        assert.equal(res.status, 200, path);
        assert.deepEqual(JSON.parse(res.body.toString()), { ok: true, path });
      }
    } finally {
      tunnel.close();
    }
    const paths = h.upstream.requests.slice(before).map((r) => r.url);
    assert.deepEqual(paths, ["/v1/one", "/v1/two", "/v1/three"]);
  });

  it("answers pipelined requests in order, each checked on its own", async () => {
    const head = (path: string, extra = "") => {
      const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
      return (
        `GET ${path} HTTP/1.1\r\nHost: ${API_HOST}\r\nX-Sigil-Attestation: ${attestation}\r\n` +
        `X-Sigil-Intent: ${intent}\r\n${extra}\r\n`
      );
    };
    const before = h.upstream.requests.length;
    const res = await agentRawRequest({
      ...h.tunnel(),
      raw:
        head("/v1/first") +
        `GET /admin HTTP/1.1\r\nHost: ${API_HOST}\r\n\r\n` +
        head("/v1/third", "Connection: close\r\n"),
      untilClose: true,
    });
    h.responses.push(res);
    assert.equal(res.status, 200);
    const text = res.body.toString("latin1");
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ["403", "200"]);
    assert.ok(text.indexOf('"path":"/v1/first"') < text.indexOf("ERR_NO_ROUTE"));
    assert.ok(text.indexOf("ERR_NO_ROUTE") < text.indexOf('"path":"/v1/third"'));
    const paths = h.upstream.requests.slice(before).map((r) => r.url);
    assert.deepEqual(paths.sort(), ["/v1/first", "/v1/third"]);
  });

  it("answers GET /healthz on the proxy listener", async () => {
    const res = await proxyRawRequest({
      proxyPort: h.proxyPort,
      raw: "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { status: "ok" });
  });
});
