import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createAgentDirectory,
  generateAgentToken,
  hashToken,
  tokenFromProxyAuthorization,
} from "../src/agents.js";

const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;

test("tokens are svt_-prefixed 256-bit random strings, different each time", () => {
  const a = generateAgentToken();
  const b = generateAgentToken();
  assert.match(a, /^svt_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
});

for (const [name, header, expected] of [
  ["Basic user:token yields the password", basic("x:svt_abc"), "svt_abc"],
  ["Basic token: yields the user", basic("svt_abc:"), "svt_abc"],
  ["Bearer yields the token", "Bearer svt_abc", "svt_abc"],
  ["scheme is case-insensitive", "bearer svt_abc", "svt_abc"],
  ["an unknown scheme yields nothing", "Digest svt_abc", undefined],
  ["Basic without a colon yields nothing", basic("svt_abc"), undefined],
  ["a missing header yields nothing", undefined, undefined],
] as const) {
  test(`Proxy-Authorization: ${name}`, () => {
    assert.equal(tokenFromProxyAuthorization(header), expected);
  });
}

test("the directory authenticates active agents by token and ignores revoked ones", () => {
  const live = generateAgentToken();
  const dead = generateAgentToken();
  const dir = createAgentDirectory([
    { id: "agt_live00000", name: "live", token_sha256: hashToken(live), created_at: "" },
    {
      id: "agt_dead00000",
      name: "dead",
      token_sha256: hashToken(dead),
      created_at: "",
      revoked_at: "x",
    },
  ]);
  assert.equal(dir.authenticate(basic(`x:${live}`))?.name, "live");
  assert.equal(dir.authenticate(basic(`x:${dead}`)), undefined);
  assert.equal(dir.authenticate(basic(`x:${generateAgentToken()}`)), undefined);
  assert.equal(dir.authenticate("Bearer not-a-token"), undefined);
});

test("isCurrent turns false after rotation or revocation in a newer directory", () => {
  const token = generateAgentToken();
  const entry = { id: "agt_a00000000", name: "a", token_sha256: hashToken(token), created_at: "" };
  const agent = createAgentDirectory([entry]).authenticate(`Bearer ${token}`)!;
  assert.ok(createAgentDirectory([entry]).isCurrent(agent));
  const rotated = { ...entry, token_sha256: hashToken(generateAgentToken()) };
  assert.equal(createAgentDirectory([rotated]).isCurrent(agent), false);
  assert.equal(createAgentDirectory([{ ...entry, revoked_at: "now" }]).isCurrent(agent), false);
});
