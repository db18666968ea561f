/**
 * Scale-out (spec §10): two Vault proxies on two homes — same agent, token, trust anchor and
 * upstream — share one real Redis. A token is single-use across both; with Redis down both fail
 * closed (503, audited, nothing forwarded); when Redis returns both recover without a restart.
 */
import assert from "node:assert/strict";
import { chmod, cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/audit/record.js";
import { resolveHome, type HomePaths } from "../../src/config/home.js";
import { readConfigFile, writeConfigFile } from "../../src/config/store.js";
import { startProxy, type RunningProxy } from "../../src/proxy/app.js";
import {
  API_HOST,
  expectErrorResponse,
  readAudit,
  sleep,
  startHarness,
  type Harness,
  type HarnessResponse,
} from "../helpers/harness.js";
import { redisSkipReason, startRedisServer, type RedisServer } from "../helpers/redis-server.js";

const REPLAYED = "ERR_ATTESTATION_REPLAYED";
const UNAVAILABLE = "ERR_REPLAY_STORE_UNAVAILABLE";
const is2xx = (r: HarnessResponse) => r.status >= 200 && r.status < 300;

/** A second proxy: a copy of the harness' home (config + MITM CA), started on its own. */
async function startTwin(h: Harness, replayStore: string) {
  const root = await mkdtemp(join(tmpdir(), "sigil-twin-"));
  await chmod(root, 0o700);
  const home = resolveHome(root, {});
  const cfg = readConfigFile(h.home.config);
  cfg.proxy.replay_store = "memory"; // the --replay-store override must win
  writeConfigFile(home.config, cfg);
  await cp(h.home.caDir, home.caDir, { recursive: true });
  const proxy: RunningProxy = await startProxy({
    home,
    listen: "127.0.0.1:0",
    resolve: { [`${API_HOST}:443`]: `127.0.0.1:${h.upstream.port}` },
    replayStore,
    logger: { log() {} },
    env: { DEMO_KEY: h.canary },
    nowMs: h.nowMs,
  });
  return { root, home, proxy, port: proxy.address.port };
}

async function waitForDeny(home: HomePaths, requestId: string): Promise<AuditRecord> {
  for (const until = Date.now() + 3000; ; await sleep(20)) {
    const hit = (await readAudit(home.auditDir)).find(
      (r) => r.type === "deny" && r["requestId"] === requestId,
    );
    if (hit) return hit;
    if (Date.now() > until) assert.fail(`no deny record for ${requestId}`);
  }
}

describe("a fleet of two proxies sharing one Redis", { skip: redisSkipReason() }, () => {
  let redis: RedisServer;
  let h: Harness;
  let twin: Awaited<ReturnType<typeof startTwin>>;
  /** Each proxy by name: its port and its home (for its audit log). */
  let fleet: { name: string; port: number; home: HomePaths }[];

  before(async () => {
    redis = await startRedisServer();
    h = await startHarness({ proxy: { replay_store: redis.url } });
    twin = await startTwin(h, redis.url);
    fleet = [
      { name: "proxy A", port: h.proxyPort, home: h.home },
      { name: "proxy B", port: twin.port, home: twin.home },
    ];
  });
  after(async () => {
    await twin?.proxy.stop("test", 1000);
    await h?.stop();
    await redis?.close();
    if (twin) await rm(twin.root, { recursive: true, force: true });
  });

  const bound = (path: string) => {
    const { attestation, intent } = h.attest({ method: "GET", url: h.url(path) });
    return { "x-sigil-attestation": attestation, "x-sigil-intent": intent! };
  };

  it("lets one attestation sent to both proxies at once through exactly once", async () => {
    const headers = bound("/v1/both");
    const before = h.upstream.requests.length;
    const results = await Promise.all(
      fleet.map((p) => h.request({ proxyPort: p.port, path: "/v1/both", headers })),
    );
    assert.equal(results.filter(is2xx).length, 1);
    const refused = results.find((r) => !is2xx(r))!;
    expectErrorResponse(refused, 403, REPLAYED);
    assert.equal(h.upstream.requests.length - before, 1);
  });

  it("lets exactly one of 20 concurrent requests with one attestation across both through", async () => {
    const headers = bound("/v1/race");
    const before = h.upstream.requests.length;
    const sent = Array.from({ length: 20 }, (_, i) => fleet[i % 2]!);
    const results = await Promise.all(
      sent.map((p) => h.request({ proxyPort: p.port, path: "/v1/race", headers })),
    );
    assert.equal(results.filter(is2xx).length, 1);
    assert.equal(h.upstream.requests.length - before, 1, "the upstream saw one request");
    for (const [i, r] of results.entries()) {
      if (is2xx(r)) continue;
      const deny = await waitForDeny(sent[i]!.home, expectErrorResponse(r, 403, REPLAYED));
      assert.equal(deny["code"], REPLAYED);
    }
  });

  it("refuses on one proxy a token already used on the other", async () => {
    const headers = bound("/v1/hop");
    const [a, b] = fleet;
    assert.equal((await h.request({ proxyPort: a!.port, path: "/v1/hop", headers })).status, 200);
    const again = await h.request({ proxyPort: b!.port, path: "/v1/hop", headers });
    expectErrorResponse(again, 403, REPLAYED);
    assert.deepEqual(again.upstreamRequests, []);
  });

  it("fails closed on both proxies while Redis is down: 503, audited, nothing forwarded", async () => {
    await redis.stop();
    for (const p of fleet) {
      const started = Date.now();
      const res = await h.attested({ proxyPort: p.port, path: "/v1/down" });
      assert.ok(Date.now() - started < 2000, `${p.name} answered within 2 s`);
      const requestId = expectErrorResponse(res, 503, UNAVAILABLE);
      assert.deepEqual(res.upstreamRequests, [], `${p.name} forwarded nothing`);
      assert.equal((await waitForDeny(p.home, requestId))["code"], UNAVAILABLE);
    }
    assert.ok(h.logs.some((l) => l.includes("replay store unavailable")));
  });

  it("serves again on both proxies once Redis is back, without restarting them", async () => {
    await redis.restart();
    for (const p of fleet) {
      let res: HarnessResponse | undefined;
      for (const until = Date.now() + 5000; Date.now() < until; await sleep(100)) {
        res = await h.attested({ proxyPort: p.port, path: "/v1/back" });
        if (res.status !== 503) break;
      }
      assert.equal(res?.status, 200, `${p.name} recovered`);
    }
    const headers = bound("/v1/back");
    const [a, b] = fleet;
    assert.equal((await h.request({ proxyPort: a!.port, path: "/v1/back", headers })).status, 200);
    const again = await h.request({ proxyPort: b!.port, path: "/v1/back", headers });
    expectErrorResponse(again, 403, REPLAYED);
  });
});
