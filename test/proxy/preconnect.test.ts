/**
 * Upstream connections opened at CONNECT time (first contact, issue #12): the first request of a
 * new tunnel rides the connection its CONNECT opened, which carried nothing but the TLS handshake
 * until then; nothing is dialled for tunnels the proxy will not forward from; one agent's warm
 * connection never carries another agent's request; a certificate that does not verify never
 * carries a request, which fails exactly as before. The upstream reads every byte it decrypts
 * with a strict parser and names each connection's SNI.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { openKeepAliveTunnel, openTunnel, type KeepAliveTunnel } from "../helpers/agent-client.js";
import { expectErrorResponse, sleep, startHarness, type Harness } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";
import { startRawUpstream, type RawConnection, type RawUpstream } from "../helpers/raw-upstream.js";
import { createServer as createNetServer, connect as netConnect } from "node:net";
import { listenOnLoopback } from "../helpers/loopback-server.js";
import { MAX_WARM_PER_AGENT } from "../../src/proxy/preconnect.js";

const pki = createTestPki();
const host = (name: string) => `${name}.pre.test`;
const FILL = Array.from({ length: MAX_WARM_PER_AGENT }, (_, i) => host(`fill-${i}`));
const CONTROL = Array.from({ length: 8 }, (_, i) => host(`control-${i}`));
const ROUTED = [
  "first",
  "denied",
  "quota-a",
  "quota-b",
  "rate-a",
  "rate-b",
  "iso",
  "revoke",
  "unauth",
].map(host);
const UNROUTED = host("unrouted");
const MTLS = host("mtls");
const MIXED = host("mixed");
const BAD = host("bad");
const SLOW = host("slow");
const SLOW_BAD = host("slow-bad");

/**
 * A TCP relay that passes the proxy's bytes on at once but holds the upstream's (its ServerHello)
 * until `release`: a pre-connect is then still handshaking when its request wants it.
 */
async function startGatedRelay(targetPort: number) {
  let open = false;
  let accepted = 0;
  const held: (() => void)[] = [];
  const listener = await listenOnLoopback(
    createNetServer((client) => {
      accepted++;
      const up = netConnect(targetPort, "127.0.0.1");
      client.on("error", () => up.destroy());
      up.on("error", () => client.destroy());
      client.pipe(up);
      const flow = () => void up.pipe(client);
      if (open) flow();
      else held.push(flow);
    }),
  );
  return {
    port: listener.port,
    get accepted() {
      return accepted;
    },
    release() {
      open = true;
      for (const flow of held.splice(0)) flow();
    },
    close: listener.close,
  };
}

async function waitFor<T>(find: () => T | undefined, what: string, ms = 3000): Promise<T> {
  for (const until = Date.now() + ms; ; await sleep(10)) {
    const hit = find();
    if (hit !== undefined) return hit;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
  }
}

describe("upstream connections opened at CONNECT", () => {
  let h: Harness;
  let raw: RawUpstream;
  let bad: RawUpstream;
  let b: { id: string; name: string; token: string };
  let slow: Awaited<ReturnType<typeof startGatedRelay>>;
  let slowBad: Awaited<ReturnType<typeof startGatedRelay>>;
  const open: KeepAliveTunnel[] = [];
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
  });

  before(async () => {
    raw = await startRawUpstream({
      pki,
      hosts: [...ROUTED, ...FILL, ...CONTROL, UNROUTED, MTLS, MIXED, SLOW],
    });
    bad = await startRawUpstream({ pki, hosts: [host("someone-else")] });
    const resolve: Record<string, string> = {};
    for (const name of [...ROUTED, ...FILL, ...CONTROL, UNROUTED, MTLS, MIXED]) {
      resolve[`${name}:443`] = `127.0.0.1:${raw.port}`;
    }
    resolve[`${BAD}:443`] = `127.0.0.1:${bad.port}`;
    slow = await startGatedRelay(raw.port);
    slowBad = await startGatedRelay(bad.port);
    resolve[`${SLOW}:443`] = `127.0.0.1:${slow.port}`;
    resolve[`${SLOW_BAD}:443`] = `127.0.0.1:${slowBad.port}`;
    h = await startHarness({
      upstreamPki: pki,
      routes: [
        ...[...ROUTED, ...FILL, ...CONTROL, BAD, SLOW, SLOW_BAD].map((name) => ({
          host: name,
          path: "/v1/*",
        })),
        { host: host("denied"), path: "/backend-fails/*", secret: "UNSET_SECRET" },
        { host: MTLS, path: "/v1/*", inject: "mtls" },
        // Two routes for one host that trust different roots: which pool a request uses
        // depends on its path, so nothing is opened ahead.
        { host: MIXED, path: "/v1/*" },
        { host: MIXED, path: "/v2/*", upstreamCa: false },
      ],
      resolve,
    });
    b = await h.addAgent("agent-b");
  });
  after(async () => {
    await h?.stop();
    await raw?.close();
    await bad?.close();
    await slow?.close();
    await slowBad?.close();
  });

  const connsTo = (name: string, up = raw) => up.connections.filter((c) => c.servername === name);
  const warmTo = (name: string) =>
    waitFor(() => connsTo(name)[0], `an upstream connection to ${name}`);
  async function tunnel(name: string, token = h.agent.token): Promise<KeepAliveTunnel> {
    const t = await openKeepAliveTunnel(h.tunnel({ host: name, token }));
    open.push(t);
    return t;
  }
  function attestedHeaders(name: string, path: string, agentName?: string) {
    const a = h.attest({
      method: "GET",
      url: h.url(path, name),
      ...(agentName ? { agentName } : {}),
    });
    return { "x-sigil-attestation": a.attestation, "x-sigil-intent": a.intent! };
  }

  it("the first request on a new tunnel rides the connection its CONNECT opened", async () => {
    const name = host("first");
    const t = await tunnel(name);
    const conn = await warmTo(name);
    assert.equal(conn.bytes.length, 0, "the handshake only, before any request");
    const res = await t.request({
      path: "/v1/models",
      headers: attestedHeaders(name, "/v1/models"),
    });
    assert.equal(res.status, 200);
    assert.equal(connsTo(name).length, 1, "no second connection was dialled");
    assert.deepEqual(
      conn.requests.map((r) => r.target),
      ["/v1/models"],
    );
    assert.match(conn.bytes.toString("latin1"), /^GET \/v1\/models HTTP\/1\.1\r\n/);
    assert.equal(
      conn.requests[0]!.headers.find(([k]) => k === "authorization")?.[1],
      `Bearer ${h.canary}`,
    );
  });

  it("sends nothing before a release: a request refused after its checks leaves it untouched, closed with the tunnel", async () => {
    const name = host("denied");
    const t = await tunnel(name);
    const conn = await warmTo(name);
    // Attested, bound, claimed — then the backend has no such secret: no release.
    const path = "/backend-fails/x";
    const res = await t.request({ path, headers: attestedHeaders(name, path) });
    const requestId = expectErrorResponse(res, 502, "ERR_BACKEND_FAILED");
    await h.waitForAudit((r) => r.type === "deny" && r["requestId"] === requestId);
    assert.equal(conn.bytes.length, 0, "not one byte was decrypted upstream");
    assert.equal(conn.closed, false);
    t.close();
    await waitFor(() => (conn.closed ? true : undefined), "the warm connection to close");
    assert.equal(conn.bytes.length, 0);
    assert.equal(connsTo(name).length, 1);
  });

  /** Opens and closes a tunnel the proxy accepts; returns the accept count from before it. */
  async function acceptedTunnel(name: string): Promise<number> {
    const before = raw.accepted;
    const t = await openTunnel(h.tunnel({ host: name }));
    assert.ok("tls" in t, "the tunnel is accepted");
    t.tls.destroy();
    return before;
  }
  /** [case, what the agent does; returns the upstream's accept count before the refused CONNECT]. */
  const refusals: [string, () => Promise<number>][] = [
    ["a host no route of the agent covers", () => acceptedTunnel(UNROUTED)],
    [
      "an unauthenticated CONNECT",
      async () => {
        const before = raw.accepted;
        const t = await openTunnel(h.tunnel({ host: host("unauth"), token: "not-a-token" }));
        assert.ok("refused" in t && t.refused.connectStatus === 407);
        return before;
      },
    ],
    [
      "a host whose only route is mtls (a connection of the release's own)",
      () => acceptedTunnel(MTLS),
    ],
    ["a host whose routes trust different roots", () => acceptedTunnel(MIXED)],
    [
      "an agent at its tunnel quota",
      async () => {
        const d = await h.addAgent("agent-quota");
        await h.updateConfig((cfg) => (cfg.proxy.max_tunnels_per_agent = 1));
        await tunnel(host("quota-a"), d.token);
        await warmTo(host("quota-a"));
        const before = raw.accepted;
        const t = await openTunnel(h.tunnel({ host: host("quota-b"), token: d.token }));
        assert.ok("refused" in t && t.refused.connectStatus === 429);
        await h.updateConfig((cfg) => delete cfg.proxy.max_tunnels_per_agent);
        return before;
      },
    ],
    [
      "an agent over its request rate",
      async () => {
        const r = await h.addAgent("agent-rate");
        await h.updateConfig(
          (cfg) => (cfg.proxy.rate_limit = { requests_per_second: 1, burst: 2 }),
        );
        const name = host("rate-a");
        const t = await tunnel(name, r.token);
        await warmTo(name);
        // Two requests empty the request bucket; the pre-connect bucket still holds a token.
        for (const path of ["/v1/x", "/v1/y"]) {
          const headers = attestedHeaders(name, path, "agent-rate");
          assert.equal((await t.request({ path, headers })).status, 200);
        }
        const before = raw.accepted;
        await tunnel(host("rate-b"), r.token); // its request bucket is empty now
        await h.updateConfig((cfg) => delete cfg.proxy.rate_limit);
        return before;
      },
    ],
  ];
  refusals.forEach(([name, act], i) => {
    it(`opens nothing for ${name}`, async () => {
      const before = await act();
      const control = CONTROL[i]!;
      await tunnel(control, b.token);
      await warmTo(control);
      assert.equal(raw.accepted - before, 1, "only the control tunnel opened a connection");
    });
  });

  it("a warm connection of agent A never carries agent B's request to the same host", async () => {
    const other = await h.addAgent("agent-iso");
    const name = host("iso");
    const a = await tunnel(name);
    const aConn = await warmTo(name);
    // The other agent holds as many unused warm connections as it may: its own tunnel to the
    // host gets none, so a pool shared across agents would hand it the one A's CONNECT opened.
    for (const fill of FILL) await tunnel(fill, other.token);
    for (const fill of FILL) await warmTo(fill);
    const bt = await tunnel(name, other.token);
    const res = await bt.request({
      path: "/v1/b",
      headers: attestedHeaders(name, "/v1/b", other.name),
    });
    assert.equal(res.status, 200);
    assert.equal(aConn.bytes.length, 0, "A's connection carried nothing of B's");
    const bConn = connsTo(name).find((c) => c.requests.some((r) => r.target === "/v1/b"));
    assert.ok(bConn && bConn !== aConn);
    const resA = await a.request({ path: "/v1/a", headers: attestedHeaders(name, "/v1/a") });
    assert.equal(resA.status, 200);
    assert.deepEqual(
      aConn.requests.map((r) => r.target),
      ["/v1/a"],
    );
  });

  it("a warm connection whose certificate does not verify carries nothing; the request fails as before", async () => {
    const t = await tunnel(BAD);
    await waitFor(
      () => (bad.accepted > 0 ? true : undefined),
      "the pre-connect to the bad upstream",
    );
    const res = await t.request({ path: "/v1/x", headers: attestedHeaders(BAD, "/v1/x") });
    const requestId = expectErrorResponse(res, 502, "ERR_UPSTREAM_FAILED");
    assert.match(
      JSON.parse(res.body.toString()).error.message,
      /upstream TLS verification failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
    const outcome = await h.waitForAudit(
      (r) => r.type === "outcome" && r["requestId"] === requestId,
    );
    assert.equal(outcome["error"], "ERR_UPSTREAM_FAILED");
    assert.equal(bad.accepted, 2, "the request dialled its own connection");
    assert.ok(bad.connections.every((c: RawConnection) => c.bytes.length === 0));
  });

  /** Sends a request whose warm connection is still handshaking when the request wants it. */
  async function requestDuringHandshake(name: string, relay: typeof slow) {
    const t = await tunnel(name);
    await waitFor(() => (relay.accepted > 0 ? true : undefined), `the pre-connect to ${name}`);
    const path = "/v1/during-handshake";
    const answer = t.request({ path, headers: attestedHeaders(name, path) });
    await h.waitForAudit((r) => r.type === "release" && r["host"] === name && r["path"] === path);
    await sleep(100);
    assert.equal(relay.accepted, 1, "the request waits for the warm connection, no second dial");
    relay.release();
    return answer;
  }

  it("a request that finds its warm connection still handshaking waits for it", async () => {
    const res = await requestDuringHandshake(SLOW, slow);
    assert.equal(res.status, 200);
    assert.equal(slow.accepted, 1);
    assert.deepEqual(
      connsTo(SLOW).map((c) => c.requests.map((r) => r.target)),
      [["/v1/during-handshake"]],
    );
  });

  it("a warm connection that fails verification after a request waited for it carries nothing; the request dials its own and fails as before", async () => {
    const before = bad.connections.length;
    const res = await requestDuringHandshake(SLOW_BAD, slowBad);
    expectErrorResponse(res, 502, "ERR_UPSTREAM_FAILED");
    assert.match(
      JSON.parse(res.body.toString()).error.message,
      /upstream TLS verification failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
    assert.equal(slowBad.accepted, 2, "the request dialled its own connection");
    assert.ok(bad.connections.slice(before).every((c) => c.bytes.length === 0));
  });

  it("a reload that revokes the agent closes its warm connections", async () => {
    const c = await h.addAgent("agent-c");
    const name = host("revoke");
    await tunnel(name, c.token);
    const conn = await warmTo(name);
    await h.updateConfig((cfg) => {
      cfg.agents.find((x) => x.id === c.id)!.revoked_at = "2025-01-02T00:00:00Z";
    });
    await waitFor(
      () => (conn.closed ? true : undefined),
      "the revoked agent's warm connection to close",
    );
    assert.equal(conn.bytes.length, 0);
  });
});
