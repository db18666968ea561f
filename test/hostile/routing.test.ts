/**
 * Hostile hosts and paths through the real proxy (issue 5): dot segments, percent and double
 * encodings, trailing dots, case, IDN look-alikes and punycode. Each attempt is refused, or is
 * served with exactly the credential of the route that covers the host and path Vault forwards —
 * never with another route's credential, never to another host.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { agentRawRequest, basicAuth, proxyRawRequest } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness, type HarnessResponse } from "../helpers/harness.js";

const ADMIN_KEY = `admin-${randomBytes(16).toString("hex")}`;

/** A refusal, or the forwarded target and which route's credential came with it. */
type Refusal = { status: number; code: string };
type Outcome = Refusal | { forwarded: string; route: "v1" | "admin" };
const NO_ROUTE = { status: 403, code: "ERR_NO_ROUTE" } as const;
const BAD = { status: 400, code: "ERR_BAD_REQUEST" } as const;
const MISDIRECTED = { status: 421, code: "ERR_HOST_MISMATCH" } as const;
const ADMIN_X = { forwarded: "/admin/x", route: "admin" } as const;

const PATHS: [string, string, Outcome][] = [
  ["a plain /v1 path", "/v1/x", { forwarded: "/v1/x", route: "v1" }],
  ["a plain /admin path", "/admin/x", ADMIN_X],
  ["a dot-dot segment", "/v1/../admin/x", ADMIN_X],
  ["an encoded dot-dot segment", "/v1/%2e%2e/admin/x", ADMIN_X],
  ["a mixed-case encoded dot-dot segment", "/v1/%2E%2e/admin/x", ADMIN_X],
  ["a half-encoded dot-dot segment", "/v1/.%2e/admin/x", ADMIN_X],
  ["two dot-dot segments", "/v1/x/../../admin/x", ADMIN_X],
  ["a dot segment", "/./admin/x", ADMIN_X],
  ["an empty segment before dot-dot", "/v1//../admin/x", { forwarded: "/v1/admin/x", route: "v1" }],
  ["encoded unreserved characters", "/%76%31/x", { forwarded: "/v1/x", route: "v1" }],
  [
    "dot segments in the query",
    "/v1/x?/../admin/x",
    { forwarded: "/v1/x?/../admin/x", route: "v1" },
  ],
  ["an encoded slash after dot-dot", "/v1/..%2fadmin/x", BAD],
  ["encoded slashes around dot-dot", "/v1%2f..%2fadmin/x", BAD],
  ["a double-encoded dot-dot", "/v1/%252e%252e/admin/x", BAD],
  ["a triple-encoded dot-dot", "/v1/%25252e%25252e/admin/x", BAD],
  ["a double encoding built from escapes", "/v1/%25%32%65%25%32%65/admin/x", BAD],
  ["a dot-dot with parameters", "/v1/..;/admin/x", BAD],
  ["a dot-dot with an encoded semicolon", "/v1/..%3b/admin/x", BAD],
  ["backslashes", "/v1/..\\admin/x", BAD],
  ["encoded backslashes", "/v1/%5c..%5cadmin/x", BAD],
  ["an overlong UTF-8 dot", "/v1/%c0%ae%c0%ae/admin/x", BAD],
  ["a dot-dot above the root", "/../admin/x", BAD],
  ["dot-dots climbing above the root", "/v1/../../admin/x", BAD],
  ["an upper-case first segment", "/V1/x", NO_ROUTE],
  ["a sibling sharing the prefix", "/v10/x", NO_ROUTE],
  ["an empty first segment", "//v1/x", NO_ROUTE],
];

/** CONNECT targets: refused before TLS, a tunnel that only answers ERR_NO_ROUTE, or a routed tunnel. */
const CONNECTS: [string, string, Refusal | "tunnel"][] = [
  ["a suffix appended to the routed host", `${API_HOST}.evil.test:443`, NO_ROUTE],
  ["a label glued to the routed host", `evil${API_HOST}:443`, NO_ROUTE],
  ["a Cyrillic look-alike in punycode", "xn--pi-7kc.example.test:443", NO_ROUTE],
  ["a Cyrillic look-alike in raw UTF-8", "\u0430pi.example.test:443", BAD],
  ["a wildcard route's apex", "svc.example.test:443", NO_ROUTE],
  ["a label glued to a wildcard's suffix", "evilsvc.example.test:443", NO_ROUTE],
  ["a suffix appended to a wildcard host", "a.svc.example.test.evil.test:443", NO_ROUTE],
  ["an ASCII look-alike of an IDN route", "bucher.example.test:443", NO_ROUTE],
  ["invalid punycode", "xn--zz.example.test:443", BAD],
  ["two trailing dots", `${API_HOST}..:443`, BAD],
  ["a leading dot", `.${API_HOST}:443`, BAD],
  ["an empty label", "api..example.test:443", BAD],
  ["a percent-encoded dot", "api%2eexample.test:443", BAD],
  ["a star label", "*.example.test:443", BAD],
  ["userinfo", `x@${API_HOST}:443`, BAD],
  ["a hex IPv4 address", "0x7f.0.0.1:443", BAD],
  ["a loopback IPv4 address", "127.0.0.1:443", NO_ROUTE],
  ["a trailing dot on the routed host", `${API_HOST}.:443`, "tunnel"],
  ["the routed host in upper case", `${API_HOST.toUpperCase()}:443`, "tunnel"],
  ["a host under a wildcard route", "a.svc.example.test:443", "tunnel"],
  ["a wildcard host in mixed case with a trailing dot", "A.Svc.Example.Test.:443", "tunnel"],
  ["an IDN route in punycode", "xn--bcher-kva.example.test:443", "tunnel"],
  ["an IDN route in upper-case punycode", "XN--BCHER-KVA.example.test.:443", "tunnel"],
];

/** Inner Host values inside a tunnel to API_HOST: served for API_HOST itself, or 421. */
const HOSTS: [string, string, Outcome][] = [
  ["a trailing dot", `${API_HOST}.`, { forwarded: "/v1/x", route: "v1" }],
  ["mixed case", "API.Example.TEST", { forwarded: "/v1/x", route: "v1" }],
  ["the explicit default port", `${API_HOST}:443`, { forwarded: "/v1/x", route: "v1" }],
  ["a zero-padded port", `${API_HOST}:0443`, MISDIRECTED],
  ["a suffix appended", `${API_HOST}.evil.test`, MISDIRECTED],
  ["a Cyrillic look-alike in punycode", "xn--pi-7kc.example.test", MISDIRECTED],
  ["a Cyrillic look-alike in raw UTF-8", "\u0430pi.example.test", MISDIRECTED],
  ["another route's wildcard host", "a.svc.example.test", MISDIRECTED],
  ["another route's IDN host", "xn--bcher-kva.example.test", MISDIRECTED],
  ["userinfo before another host", `${API_HOST}@evil.test`, MISDIRECTED],
];

describe("hostile hosts and paths never reach another route's credential", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      // The wildcard and IDN routes only need to be routed (they never resolve to the upstream).
      // The cases send attestations bound to no request (the paths are hostile by design), so the
      // routes opt out of binding; binding is tested in test/proxy/attestation.test.ts.
      routes: [
        { path: "/v1/*", methods: ["GET", "POST"], binding: "optional" },
        { path: "/admin/*", secret: "ADMIN_KEY", binding: "optional" },
        { host: "*.svc.example.test", path: "/v1/*", secret: "ADMIN_KEY", binding: "optional" },
        { host: "bücher.example.test", path: "/v1/*", secret: "ADMIN_KEY", binding: "optional" },
      ],
      env: { ADMIN_KEY },
    });
  });
  after(() => h.stop());

  const att = () => h.attest().attestation;
  const auth = () => `Proxy-Authorization: ${basicAuth(h.agent.token)}\r\n`;

  async function expectOutcome(res: HarnessResponse, want: Outcome): Promise<void> {
    if ("status" in want) {
      await h.expectDenied(res, want.status, want.code);
      return;
    }
    assert.equal(res.status, 200, `served (body ${res.body.toString("utf8").slice(0, 120)})`);
    assert.equal(res.upstreamRequests.length, 1);
    const got = res.upstreamRequests[0]!;
    assert.equal(got.url, want.forwarded, "the forwarded target is the normalised one");
    assert.equal(got.servername, API_HOST, "the credential goes to the route's host only");
    const credential = want.route === "admin" ? ADMIN_KEY : h.canary;
    assert.equal(got.headers.authorization, `Bearer ${credential}`);
    // Independent of the route table: the credential's route covers the forwarded path.
    assert.equal(got.url.split(/[/?]/)[1], want.route);
  }

  for (const [name, path, want] of PATHS) {
    it(`${"status" in want ? "refuses" : "routes"} ${name} (${JSON.stringify(path)})`, async () => {
      const res = await h.request({ path, headers: { "x-sigil-attestation": att() } });
      await expectOutcome(res, want);
    });
  }

  it("does not let an attestation bound to /v1/x be spent on /v1/../admin/x", async () => {
    const { attestation, intent } = h.attest({ method: "GET", url: h.url("/v1/x") });
    const headers = { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
    const res = await h.request({ path: "/v1/../admin/x", headers });
    await h.expectDenied(res, 403, "ERR_ATTESTATION_MISMATCH");
  });

  for (const [name, target, want] of CONNECTS) {
    const verb =
      want === "tunnel" ? "opens" : want === NO_ROUTE ? "answers ERR_NO_ROUTE in" : "refuses";
    it(`${verb} a CONNECT to ${name} (${target})`, async () => {
      const host = target.slice(0, target.lastIndexOf(":"));
      if (want === "tunnel") {
        // A request without attestation shows the tunnel is routed without releasing anything.
        const res = await h.request({ host, path: "/v1/x" });
        assert.equal(res.connectStatus, 200, "the tunnel is routed");
        await h.expectDenied(res, 403, "ERR_ATTESTATION_MISSING");
        return;
      }
      if (want === NO_ROUTE) {
        // Accepted so the agent can read the refusal; even an attested request goes nowhere.
        const res = await h.request({
          host,
          path: "/v1/x",
          headers: { "x-sigil-attestation": att() },
        });
        assert.equal(res.connectStatus, 200);
        await h.expectDenied(res, 403, "ERR_NO_ROUTE");
        return;
      }
      const seen = h.upstream.requests.length;
      const res = await proxyRawRequest({
        proxyPort: h.proxyPort,
        raw: `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth()}\r\n`,
        timeoutMs: 5000,
      });
      h.responses.push(res);
      const upstreamRequests = h.upstream.requests.slice(seen);
      await h.expectDenied({ ...res, upstreamRequests }, want.status, want.code);
    });
  }

  for (const host of [`${API_HOST}.`, API_HOST.toUpperCase()]) {
    it(`serves a tunnel opened as ${host} with its own route's credential only`, async () => {
      const res = await h.request({
        host,
        path: "/v1/x",
        headers: { "x-sigil-attestation": att() },
      });
      await expectOutcome(res, { forwarded: "/v1/x", route: "v1" });
    });
  }

  for (const [name, host, want] of HOSTS) {
    it(`${"status" in want ? "refuses" : "serves"} an inner Host with ${name}`, async () => {
      const seen = h.upstream.requests.length;
      const raw = `GET /v1/x HTTP/1.1\r\nHost: ${host}\r\nX-Sigil-Attestation: ${att()}\r\n\r\n`;
      const res = await agentRawRequest({ ...h.tunnel(), raw, timeoutMs: 5000 });
      h.responses.push(res);
      await expectOutcome({ ...res, upstreamRequests: h.upstream.requests.slice(seen) }, want);
    });
  }

  it("serves a Host that IDNA-maps onto the tunnel's host only to that host", async () => {
    // U+00AD (soft hyphen) and U+00AA (ª) are legal obs-text bytes that IDNA maps away or to "a".
    for (const host of ["api.exam\u00adple.test", "\u00aapi.example.test"]) {
      const seen = h.upstream.requests.length;
      const head = `GET /v1/x HTTP/1.1\r\nHost: ${host}\r\nX-Sigil-Attestation: ${att()}\r\n\r\n`;
      const res = await agentRawRequest({ ...h.tunnel(), raw: Buffer.from(head, "latin1") });
      h.responses.push(res);
      const got = h.upstream.requests.slice(seen);
      if (res.status !== 200) {
        await h.expectDenied(
          { ...res, upstreamRequests: got },
          res.status,
          String(res.headers["x-sigil-error"]),
        );
        continue;
      }
      assert.deepEqual(
        got.map((r) => [r.servername, r.headers.authorization]),
        [[API_HOST, `Bearer ${h.canary}`]],
      );
    }
  });

  it("leaves no credential, agent token or attestation in responses, logs or audit", async () => {
    const texts = [
      ...h.responses.map((r) => JSON.stringify(r.headers) + r.body.toString("latin1")),
      ...h.logs,
      JSON.stringify(await h.readAudit()),
    ];
    for (const [i, secret] of [h.canary, ADMIN_KEY, h.agent.token, ...h.minted].entries()) {
      assert.ok(!texts.some((t) => t.includes(secret)), `secret #${i} leaked`);
    }
  });
});
