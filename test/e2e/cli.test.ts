/**
 * The CLI contract (spec §2) from the outside: help and exit codes, --json shapes, agent and trust
 * management, and what the config file may hold. Backends and routes: cli-backends-routes.test.ts.
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { assertFails, ok, useInitializedHome } from "./cli-home.js";

function publicJwk(kid: string): { jwk: string; fingerprint: string } {
  const { x } = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }) as { x: string };
  const raw = Buffer.from(x, "base64url");
  return {
    jwk: JSON.stringify({ kty: "OKP", crv: "Ed25519", x, kid }),
    fingerprint: `sha256:${createHash("sha256").update(raw).digest("hex")}`,
  };
}

describe("the sigil-vault CLI contract", { timeout: 120_000 }, () => {
  const home = useInitializedHome();

  it("every command and command group answers --help with exit 0", async () => {
    const overview = ok(await home.cli.run(["--help"]));
    const commands = [...overview.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1]!);
    assert.ok(commands.length >= 20, `found only: ${commands.join(", ")}`);
    const groups = [
      ...new Set(commands.filter((c) => c.includes(" ")).map((c) => c.split(" ")[0]!)),
    ];
    const all = [...commands, ...groups].map((c) => [...c.split(" "), "--help"]);
    for (let i = 0; i < all.length; i += 4) {
      const results = await Promise.all(all.slice(i, i + 4).map((args) => home.cli.run(args)));
      results.forEach((r, k) => assert.match(ok(r), /Usage: sigil-vault/, all[i + k]!.join(" ")));
    }
  });

  it("global flags before --help still show the overview with exit 0", async () => {
    const r = await home.cli.run(["--home", home.cli.home, "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: sigil-vault <command>/m);
  });

  it("an unknown command, subcommand or option is a usage error on one line", async () => {
    for (const args of [
      ["frobnicate"],
      ["agents", "frobnicate"],
      ["agents", "list", "--frobnicate"],
    ]) {
      assertFails(await home.cli.run(args), 2);
    }
  });

  it("agents create/list/rotate/revoke: tokens are shown once and never listed or stored", async () => {
    const created = JSON.parse(
      ok(await home.cli.run(["agents", "create", "--name", "bot-1", "--json"])),
    );
    assert.deepEqual(Object.keys(created).sort(), ["id", "name", "token"]);
    const agentId: string = created.id;
    assertFails(await home.cli.run(["agents", "create", "--name", "bot-1"]), 1);
    assertFails(await home.cli.run(["agents", "create", "--name", "bad name!"]), 2);
    const rotated = JSON.parse(
      ok(await home.cli.run(["agents", "rotate", "--agent-id", agentId, "--json"])),
    );
    assert.equal(rotated.id, agentId);
    assert.notEqual(rotated.token, created.token);
    const other = JSON.parse(
      ok(await home.cli.run(["agents", "create", "--name", "bot-2", "--json"])),
    );
    ok(await home.cli.run(["agents", "revoke", "--agent-id", other.id]));
    assertFails(await home.cli.run(["agents", "revoke", "--agent-id", "agt_nope"]), 1);
    assertFails(await home.cli.run(["agents", "rotate", "--agent-id", other.id]), 1);
    const listed = ok(await home.cli.run(["agents", "list", "--json"]));
    const table = ok(await home.cli.run(["agents", "list"]));
    const byId = Object.fromEntries(
      JSON.parse(listed).map((a: { id: string; status: string }) => [a.id, a.status]),
    );
    assert.deepEqual(byId, { [agentId]: "active", [other.id]: "revoked" });
    const config = await readFile(join(home.cli.home, "config.json"), "utf8");
    for (const token of [created.token, rotated.token, other.token]) {
      const hash = createHash("sha256").update(token).digest("hex");
      for (const text of [listed, table]) assert.ok(!text.includes(token) && !text.includes(hash));
      assert.ok(!config.includes(token), "the config holds no token");
    }
    assert.equal((await stat(join(home.cli.home, "config.json"))).mode & 0o777, 0o600);
  });

  it("trust add pins nothing when the fingerprint does not match; trust list and remove", async () => {
    const key = publicJwk("k1");
    const trustAdd = (fingerprint: string) =>
      home.cli.run([
        "trust",
        "add",
        "--kid",
        "k1",
        "--fingerprint",
        fingerprint,
        "--jwk",
        key.jwk,
        "--json",
      ]);
    assertFails(await trustAdd(publicJwk("k1").fingerprint), 1);
    assert.deepEqual(JSON.parse(ok(await home.cli.run(["trust", "list", "--json"]))), []);
    const added = JSON.parse(ok(await trustAdd(key.fingerprint)));
    assert.deepEqual([added.kid, added.fingerprint], ["k1", key.fingerprint]);
    const listed = JSON.parse(ok(await home.cli.run(["trust", "list", "--json"])));
    assert.deepEqual(
      listed.map((a: { kid: string; fingerprint: string }) => [a.kid, a.fingerprint]),
      [["k1", key.fingerprint]],
    );
    ok(await home.cli.run(["trust", "remove", "--kid", "k1"]));
    assertFails(await home.cli.run(["trust", "remove", "--kid", "k1"]), 1);
    assert.deepEqual(JSON.parse(ok(await home.cli.run(["trust", "list", "--json"]))), []);
  });
});
