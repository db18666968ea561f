import { test } from "node:test";
import assert from "node:assert/strict";
import { ALL_PATHS, ctx, sigilError, startVaultFixture, text } from "./hashicorp-vault-fixture.js";

/** One clock shared by the fake Vault and the backend. */
function clock() {
  let now = Date.UTC(2026, 0, 1);
  return { nowMs: () => now, advance: (ms: number) => void (now += ms) };
}

async function appRoleSetup(
  t: { after(fn: () => Promise<void>): void },
  grant: { ttlSec: number; renewable?: boolean; maxTtlSec?: number },
) {
  const time = clock();
  const fx = await startVaultFixture(time.nowMs);
  t.after(() => fx.close());
  fx.fake.addAppRole({ roleId: "r", secretId: "s", grant: { paths: ALL_PATHS, ...grant } });
  fx.fake.putKv2("secret", "k", { v: "value-1" });
  const backend = fx.backend(
    { auth_method: "approle", role_id: "r", secret_id_env: "SID" },
    { SID: "s" },
  );
  const read = async () => text(await backend.fetch("secret/data/k#v", ctx()), "value");
  const count = (path: string) => fx.fake.requests.filter((r) => r.path === path).length;
  return { fx, time, read, count };
}

test("the login token is cached: many fetches, one login", async (t) => {
  const { read, count } = await appRoleSetup(t, { ttlSec: 600 });
  for (let i = 0; i < 5; i++) assert.equal(await read(), "value-1");
  assert.equal(count("auth/approle/login"), 1);
  assert.equal(count("secret/data/k"), 5);
});

test("concurrent fetches share one login in flight", async (t) => {
  const { read, count } = await appRoleSetup(t, { ttlSec: 600 });
  const values = await Promise.all(Array.from({ length: 8 }, read));
  assert.deepEqual(values, Array(8).fill("value-1"));
  assert.equal(count("auth/approle/login"), 1);
});

test("a non-renewable token is replaced by a fresh login before it expires", async (t) => {
  const { read, count, time, fx } = await appRoleSetup(t, { ttlSec: 100, renewable: false });
  await read();
  time.advance(80_000); // 80% of the TTL: still used
  await read();
  assert.equal(count("auth/approle/login"), 1);
  time.advance(15_000); // 95%: replaced
  await read();
  assert.equal(count("auth/approle/login"), 2);
  assert.equal(count("auth/token/renew-self"), 0);
  const tokens = new Set(
    fx.fake.requests.filter((r) => r.path === "secret/data/k").map((r) => r.token),
  );
  assert.equal(tokens.size, 2);
});

test("a renewable token is renewed with renew-self once past half its TTL", async (t) => {
  const { read, count, time, fx } = await appRoleSetup(t, { ttlSec: 100 });
  await read();
  time.advance(40_000);
  await read();
  assert.equal(count("auth/token/renew-self"), 0);
  time.advance(20_000); // 60 s into a 100 s TTL
  await read();
  assert.equal(count("auth/token/renew-self"), 1);
  time.advance(40_000); // 40 s after the renewal: no renewal yet
  await read();
  assert.equal(count("auth/token/renew-self"), 1);
  assert.equal(count("auth/approle/login"), 1);
  const tokens = new Set(
    fx.fake.requests.filter((r) => r.path === "secret/data/k").map((r) => r.token),
  );
  assert.equal(tokens.size, 1, "renewal keeps the same token");
});

test("a token that can no longer be extended is replaced by a login when it runs out", async (t) => {
  const { read, count, time } = await appRoleSetup(t, { ttlSec: 100, maxTtlSec: 120 });
  await read();
  time.advance(60_000);
  await read(); // renewal capped at the max TTL: 60 s left, not extended past the cap
  time.advance(50_000);
  await read();
  time.advance(15_000); // past the max TTL
  await read();
  assert.equal(count("auth/approle/login"), 2);
});

test("an expired token is never sent: the next fetch logs in again", async (t) => {
  const { read, count, time } = await appRoleSetup(t, { ttlSec: 100 });
  await read();
  time.advance(500_000);
  assert.equal(await read(), "value-1");
  assert.equal(count("auth/approle/login"), 2);
  assert.equal(count("secret/data/k"), 2, "no read was refused and retried");
});

test("a 403 on a cached token (revoked behind our back) triggers exactly one re-login", async (t) => {
  const { read, count, fx } = await appRoleSetup(t, { ttlSec: 600 });
  await read();
  const first = fx.fake.requests.find((r) => r.path === "secret/data/k")!.token!;
  fx.fake.revokeToken(first);
  assert.equal(await read(), "value-1");
  assert.equal(count("auth/approle/login"), 2);
  assert.equal(count("secret/data/k"), 3, "the refused read, then one retry");
});

test("a 403 on a token obtained for this call is a real refusal: no login loop", async (t) => {
  const { count, fx } = await appRoleSetup(t, { ttlSec: 600 });
  const backend = fx.backend(
    { auth_method: "approle", role_id: "r", secret_id_env: "SID" },
    { SID: "s" },
  );
  await assert.rejects(
    backend.fetch("private/not-granted", ctx()),
    sigilError("ERR_BACKEND_FAILED", /secret read failed \(HTTP 403 permission denied\)/),
  );
  assert.equal(count("auth/approle/login"), 1);
  assert.equal(count("private/not-granted"), 1);
});

test("token auth re-reads token_file after a 403, so a rotated token is picked up", async (t) => {
  const fx = await startVaultFixture();
  t.after(() => fx.close());
  fx.fake.putKv1("kv", "k", { v: "v1" });
  const oldToken = fx.fake.addToken({ paths: ALL_PATHS });
  const path = await fx.file("token", oldToken);
  const backend = fx.backend({ token_file: path });
  await backend.fetch("kv/k", ctx());
  fx.fake.revokeToken(oldToken);
  const newToken = fx.fake.addToken({ paths: ALL_PATHS });
  await fx.file("token", newToken);
  assert.equal(text(await backend.fetch("kv/k#v", ctx()), "value"), "v1");
  const reads = fx.fake.requests.filter((r) => r.path === "kv/k").map((r) => r.token);
  assert.deepEqual(reads, [oldToken, oldToken, newToken]);
});
