/**
 * The Redis replay store against a real, private redis-server: the shared contract, the one
 * command per claim, failing closed (stopped, hung, read-only, full, unauthenticated) with a
 * secret-free error, recovering on its own; the password from SIGIL_VAULT_REDIS_PASSWORD; TLS.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@redis/client";
import { SigilError } from "../../src/errors.js";
import { openReplayStore } from "../../src/replay/create.js";
import {
  createRedisReplayStore,
  REPLAY_KEY_PREFIX,
  type RedisReplayOptions,
  type RedisTarget,
} from "../../src/replay/redis.js";
import type { ReplayStore } from "../../src/replay/store.js";
import { createTestPki } from "../helpers/pki.js";
import {
  redisSkipReason,
  startRedisServer,
  startTcpRelay,
  type RedisServer,
} from "../helpers/redis-server.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";
import { replayStoreContract } from "./contract.js";

const skip = redisSkipReason();
const target = (s: RedisServer) => ({ host: "127.0.0.1", port: s.port, tls: false });
const FAST = { connectWaitMs: 300, maxReconnectDelayMs: 100 };
const later = () => Date.now() + 60_000;
const freshId = (label = "id") => `${label}-${randomBytes(8).toString("hex")}`;

/** How long a claim took to be refused, after checking it failed closed with the fixed message. */
async function expectUnavailable(store: ReplayStore): Promise<number> {
  const started = Date.now();
  const err = await store.claim(freshId(), later()).then(
    () => assert.fail("the claim must be refused"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SigilError);
  assert.equal(err.code, "ERR_REPLAY_STORE_UNAVAILABLE");
  assert.equal(err.message, "replay store unavailable", "nothing about the URL or password");
  return Date.now() - started;
}

/** Polls with fresh ids until a claim succeeds; fails after `ms`. */
async function eventuallyClaims(store: ReplayStore, ms = 3000): Promise<void> {
  for (const until = Date.now() + ms; ; await sleep(50)) {
    const ok = await store.claim(freshId(), later()).catch(() => false);
    if (ok) return;
    if (Date.now() > until) assert.fail(`no successful claim within ${ms} ms`);
  }
}

/** A store once connected: on a loaded machine the first connection can take a while. */
async function connected(t: RedisTarget, opts: RedisReplayOptions = {}) {
  const store = await createRedisReplayStore(t, opts);
  for (const until = Date.now() + 5000; !store.connected; await sleep(20)) {
    if (Date.now() > until) {
      await store.close();
      assert.fail("the store did not connect within 5 s");
    }
  }
  return store;
}

describe("redis replay store", { skip }, () => {
  let server: RedisServer;
  let admin: ReturnType<typeof createClient>;
  before(async () => {
    server = await startRedisServer();
    admin = createClient({ socket: { host: "127.0.0.1", port: server.port } });
    admin.on("error", () => undefined);
    await admin.connect();
  });
  after(async () => {
    admin.destroy();
    await server.close();
  });

  replayStoreContract("redis store", () => connected(target(server)), {
    clock: "real",
  });

  it("claims with one SET NX PXAT on sigil-vault:replay:<id>, holding it until expiresAtMs", async () => {
    const store = await connected(target(server));
    try {
      const expiresAt = Date.now() + 123_456;
      assert.equal(await store.claim("jti-key-check", expiresAt), true);
      const key = `${REPLAY_KEY_PREFIX}jti-key-check`;
      assert.equal(await admin.get(key), "1");
      assert.equal(await admin.sendCommand(["PEXPIRETIME", key]), expiresAt);
    } finally {
      await store.close();
    }
  });

  const failures: { name: string; breakIt(): Promise<void>; fixIt(): Promise<void> }[] = [
    {
      name: "a read-only replica (READONLY)",
      breakIt: async () => void (await admin.sendCommand(["REPLICAOF", "127.0.0.1", "1"])),
      fixIt: async () => void (await admin.sendCommand(["REPLICAOF", "NO", "ONE"])),
    },
    {
      name: "a full server with noeviction (OOM)",
      breakIt: async () => {
        await admin.configSet({ "maxmemory-policy": "noeviction", maxmemory: "1" });
      },
      fixIt: async () => void (await admin.configSet("maxmemory", "0")),
    },
  ];
  for (const f of failures) {
    it(`refuses claims on ${f.name}, then serves again once it is fixed`, async () => {
      const store = await connected(target(server));
      try {
        await f.breakIt();
        await expectUnavailable(store);
        await f.fixIt();
        await eventuallyClaims(store);
      } finally {
        await f.fixIt().catch(() => undefined);
        await store.close();
      }
    });
  }

  it("refuses claims, naming the skew, while Vault's clock is 7 minutes behind Redis' TIME", async () => {
    const behind = 7 * 60_000;
    const store = await connected(target(server), { nowMs: () => Date.now() - behind });
    try {
      const skew = await store.measureClockSkew();
      assert.ok(Math.abs(skew - behind) < 5000, `measured ${skew} ms`);
      // The hold Vault would ask for (exp + 300 s on its own clock) is already in Redis' past.
      const hold = Date.now() - behind + 300_000;
      for (let i = 0; i < 2; i++) {
        const err = await store.claim("skewed-id", hold).then(
          () => assert.fail("a claim must be refused while the clocks disagree"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof SigilError);
        assert.equal(err.code, "ERR_REPLAY_STORE_UNAVAILABLE");
        assert.match(err.reason, /clock skew: Redis is 420 s ahead of this host \(bound 60 s\)/);
      }
      assert.equal(await admin.exists(`${REPLAY_KEY_PREFIX}skewed-id`), 0, "nothing was written");
    } finally {
      await store.close();
    }
  });

  it("tolerates a skew within the bound (maxClockSkewMs)", async () => {
    const store = await connected(target(server), {
      nowMs: () => Date.now() + 20_000,
      maxClockSkewMs: 30_000,
    });
    try {
      assert.equal(await store.claim(freshId("skew-ok"), later()), true);
    } finally {
      await store.close();
    }
  });

  it("refuses fast while Redis is stopped and recovers when it is back, with no new store", async () => {
    const store = await connected(target(server), { ...FAST, commandTimeoutMs: 5000 });
    try {
      await server.stop();
      assert.ok((await expectUnavailable(store)) < 1000, "refused fast, not after the 5 s bound");
      assert.equal(store.connected, false);
      assert.ok((await expectUnavailable(store)) < 1000, "nothing is queued while disconnected");
      await server.restart();
      await eventuallyClaims(store);
      assert.equal(store.connected, true);
    } finally {
      await server.restart().catch(() => undefined);
      await store.close();
      await admin.ping().catch(() => undefined); // the admin client reconnects on its own
    }
  });

  it("bounds each claim on a hung server (SIGSTOP) and recovers on SIGCONT", async () => {
    const store = await connected(target(server), { commandTimeoutMs: 300 });
    try {
      server.pause();
      const took = await expectUnavailable(store);
      assert.ok(took >= 250 && took < 2500, `refused after ${took} ms`);
      server.resume();
      await eventuallyClaims(store);
    } finally {
      server.resume();
      await store.close();
    }
  });

  it("does not judge late a reply that arrived while the event loop was blocked", async () => {
    const store = await connected(target(server), { commandTimeoutMs: 200 });
    try {
      const claim = store.claim(freshId("lag"), later());
      await new Promise((resolve) => setImmediate(resolve)); // the client writes on setImmediate
      for (const until = Date.now() + 400; Date.now() < until;); // Redis answers in the stall
      assert.equal(await claim, true);
    } finally {
      await store.close();
    }
  });

  it("replaces a connection that stopped answering (a black-holed path)", async () => {
    const relay = await startTcpRelay(server.port);
    const store = await connected(
      { host: "127.0.0.1", port: relay.port, tls: false },
      { commandTimeoutMs: 150, recycleAfterMs: 300 },
    );
    try {
      assert.equal(await store.claim(freshId(), later()), true);
      relay.silence();
      await expectUnavailable(store);
      await eventuallyClaims(store);
      assert.equal(relay.connections(), 2, "a second connection replaced the silent one");
    } finally {
      await store.close();
      await relay.close();
    }
  });

  it("starts while Redis is down, refusing until it comes up", async (t) => {
    const down = await startRedisServer();
    t.after(() => down.close());
    await down.stop();
    const store = await createRedisReplayStore(target(down), FAST);
    t.after(() => store.close());
    assert.equal(store.connected, false);
    await expectUnavailable(store);
    await down.restart();
    await eventuallyClaims(store);
  });

  it("refuses claims after close", async () => {
    const store = await connected(target(server));
    await store.close();
    await expectUnavailable(store);
  });
});

describe("redis replay store: durability, auth and TLS", { skip }, () => {
  it("keeps claims across a Redis restart only when Redis persists them (AOF)", async (t) => {
    for (const persist of [true, false]) {
      const server = await startRedisServer({ persist });
      t.after(() => server.close());
      const store = await connected(target(server), FAST);
      t.after(() => store.close());
      assert.equal(await store.claim("survivor", later()), true);
      await server.restart();
      await eventuallyClaims(store);
      assert.equal(await store.claim("survivor", later()), !persist);
    }
  });

  it("authenticates with SIGIL_VAULT_REDIS_PASSWORD and never shows the password", async (t) => {
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const server = await startRedisServer({ password });
    t.after(() => server.close());
    const logs: string[] = [];
    const logger = { log: (...a: unknown[]) => void logs.push(JSON.stringify(a)) };
    const dir = await makeTmpDir(t);
    const open = (env: NodeJS.ProcessEnv) =>
      openReplayStore(server.url, { auditDir: dir, nowMs: Date.now, env, logger, redis: FAST });
    const stores = await Promise.all(
      [{ SIGIL_VAULT_REDIS_PASSWORD: password }, {}, { SIGIL_VAULT_REDIS_PASSWORD: "wrong" }].map(
        open,
      ),
    );
    t.after(() => Promise.all(stores.map((s) => s.store.close())));
    const [good, none, wrong] = stores.map((s) => s.store);
    assert.equal(stores[0]!.kind, "redis");
    await eventuallyClaims(good!);
    await expectUnavailable(none!);
    await expectUnavailable(wrong!);
    assert.ok(!logs.join("\n").includes(password), "no log line holds the password");
    for (const word of ["NOAUTH", "WRONGPASS"]) assert.match(logs.join("\n"), new RegExp(word));
  });

  it("speaks rediss:// and verifies the server certificate", async (t) => {
    const dir = await makeTmpDir(t);
    const pki = createTestPki("Redis Test CA");
    const leaf = pki.issue(["127.0.0.1"]);
    await writeFile(`${dir}/cert.pem`, leaf.certPem);
    await writeFile(`${dir}/key.pem`, leaf.keyPem);
    const server = await startRedisServer({
      tls: { certFile: `${dir}/cert.pem`, keyFile: `${dir}/key.pem` },
    });
    t.after(() => server.close());
    const tlsTarget = { host: "127.0.0.1", port: server.port, tls: true };
    const trusted = await connected(tlsTarget, { ca: pki.caPem });
    t.after(() => trusted.close());
    const stranger = createTestPki("Some Other CA").caPem;
    const untrusted = await createRedisReplayStore(tlsTarget, { ...FAST, ca: stranger });
    t.after(() => untrusted.close());
    assert.equal(await trusted.claim("over-tls", later()), true);
    assert.equal(await trusted.claim("over-tls", later()), false);
    await expectUnavailable(untrusted);
  });
});
