/** doctor's replay store line: memory is fine; Redis must answer with a clock within 60 s of ours. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConfigFile } from "../../src/config/schema.js";
import { checkReplayStore } from "../../src/doctor/replay-check.js";
import { redisSkipReason, startRedisServer, type RedisServer } from "../helpers/redis-server.js";

const withStore = (replay_store?: string) =>
  ({ proxy: replay_store ? { replay_store } : {} }) as unknown as ConfigFile;

describe("doctor: replay store", { skip: redisSkipReason() }, () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(() => server.close());

  it("reports memory as ok", async () => {
    const [line] = await checkReplayStore(withStore(), {}, Date.now);
    assert.equal(line?.status, "ok");
  });

  it("reports a reachable Redis whose clock agrees as ok", async () => {
    const [line] = await checkReplayStore(withStore(server.url), {}, Date.now);
    assert.equal(line?.status, "ok", line?.message);
    assert.match(line!.message, /answers; its clock is within \d+ ms/);
  });

  it("FAILs, naming the skew, when this host's clock is 7 minutes behind Redis", async () => {
    const behind = () => Date.now() - 7 * 60_000;
    const [line] = await checkReplayStore(withStore(server.url), {}, behind);
    assert.equal(line?.status, "fail");
    assert.match(line!.message, /Redis is 420 s ahead of this host \(bound 60 s\)/);
    assert.match(line!.fix ?? "", /NTP/);
  });
});
