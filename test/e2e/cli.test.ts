/**
 * The CLI contract (spec §2) from the outside: help and exit codes, --json shapes, agent, backend,
 * route and trust management, what the config file may hold, and hot reload of a running proxy.
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createCliSession, CURL, type CliSession, type ProcessResult } from "../helpers/cli.js";
import { MODELS_URL, setupVault, type VaultFixture } from "./vault-fixture.js";

function assertFails(r: ProcessResult, exitCode: 1 | 2, pattern?: RegExp): void {
  assert.equal(r.code, exitCode, `stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error: [^\n]+\n$/, "one line on stderr");
  if (pattern) assert.match(r.stderr, pattern);
}

function ok(r: ProcessResult): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function publicJwk(kid: string): { jwk: string; fingerprint: string } {
  const { x } = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }) as { x: string };
  const raw = Buffer.from(x, "base64url");
  return {
    jwk: JSON.stringify({ kty: "OKP", crv: "Ed25519", x, kid }),
    fingerprint: `sha256:${createHash("sha256").update(raw).digest("hex")}`,
  };
}

/** Closed local port: any backend that tries the network fails fast and stays offline. */
const DEAD = "http://127.0.0.1:9";
const VALID_BACKENDS: [kind: string, options: string][] = [
  ["env", ""],
  ["hashicorp-vault", `vault_addr=${DEAD},auth_method=token,token_env=VAULT_TOKEN,timeout_ms=500`],
  ["aws-secrets-manager", `region=us-east-1,endpoint=${DEAD},timeout_ms=500`],
  [
    "aws-sts",
    `region=us-east-1,role_arn=arn:aws:iam::123456789012:role/r,endpoint=${DEAD},timeout_ms=500`,
  ],
  ["azure-key-vault", `vault_url=${DEAD},authority_host=${DEAD},timeout_ms=500`],
  ["gcp-secret-manager", `project=p1,endpoint=${DEAD},token_uri=${DEAD},timeout_ms=500`],
];

describe("the sigil-vault CLI contract", { timeout: 120_000 }, () => {
  let dir: string;
  let cli: CliSession;
  let agentId: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sigil-e2e-cli-"));
    cli = createCliSession(join(dir, "home"), dir);
    ok(await cli.run(["init"]));
  });
  after(async () => {
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("every command and command group answers --help with exit 0", async () => {
    const overview = ok(await cli.run(["--help"]));
    const commands = [...overview.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1]!);
    assert.ok(commands.length >= 20, `found only: ${commands.join(", ")}`);
    const groups = [
      ...new Set(commands.filter((c) => c.includes(" ")).map((c) => c.split(" ")[0]!)),
    ];
    const all = [...commands, ...groups].map((c) => [...c.split(" "), "--help"]);
    for (let i = 0; i < all.length; i += 4) {
      const results = await Promise.all(all.slice(i, i + 4).map((args) => cli.run(args)));
      results.forEach((r, k) => assert.match(ok(r), /Usage: sigil-vault/, all[i + k]!.join(" ")));
    }
  });

  it("an unknown command, subcommand or option is a usage error on one line", async () => {
    for (const args of [
      ["frobnicate"],
      ["agents", "frobnicate"],
      ["agents", "list", "--frobnicate"],
    ]) {
      assertFails(await cli.run(args), 2);
    }
  });

  it("agents create/list/rotate/revoke: tokens are shown once and never listed or stored", async () => {
    const created = JSON.parse(
      ok(await cli.run(["agents", "create", "--name", "bot-1", "--json"])),
    );
    assert.deepEqual(Object.keys(created).sort(), ["id", "name", "token"]);
    agentId = created.id;
    assertFails(await cli.run(["agents", "create", "--name", "bot-1"]), 1);
    assertFails(await cli.run(["agents", "create", "--name", "bad name!"]), 2);
    const rotated = JSON.parse(
      ok(await cli.run(["agents", "rotate", "--agent-id", agentId, "--json"])),
    );
    assert.equal(rotated.id, agentId);
    assert.notEqual(rotated.token, created.token);
    const other = JSON.parse(ok(await cli.run(["agents", "create", "--name", "bot-2", "--json"])));
    ok(await cli.run(["agents", "revoke", "--agent-id", other.id]));
    assertFails(await cli.run(["agents", "revoke", "--agent-id", "agt_nope"]), 1);
    assertFails(await cli.run(["agents", "rotate", "--agent-id", other.id]), 1);
    const listed = ok(await cli.run(["agents", "list", "--json"]));
    const table = ok(await cli.run(["agents", "list"]));
    const byId = Object.fromEntries(
      JSON.parse(listed).map((a: { id: string; status: string }) => [a.id, a.status]),
    );
    assert.deepEqual(byId, { [agentId]: "active", [other.id]: "revoked" });
    const config = await readFile(join(cli.home, "config.json"), "utf8");
    for (const token of [created.token, rotated.token, other.token]) {
      const hash = createHash("sha256").update(token).digest("hex");
      for (const text of [listed, table]) assert.ok(!text.includes(token) && !text.includes(hash));
      assert.ok(!config.includes(token), "the config holds no token");
    }
    assert.equal((await stat(join(cli.home, "config.json"))).mode & 0o777, 0o600);
  });

  it("backends add refuses bad options with exit 2", async () => {
    const bad = [
      ["--kind", "mystery"],
      ["--kind", "hashicorp-vault"],
      ["--kind", "hashicorp-vault", "--options", "vault_addr=not-a-url"],
      ["--kind", "hashicorp-vault", "--options", `vault_addr=${DEAD},auth_method=approle`],
      ["--kind", "env", "--options", "colour=blue"],
      ["--kind", "env", "--options", "novalue"],
      ["--kind", "env", "--options", "timeout_ms=9000"],
      ["--kind", "aws-sts", "--options", "region=us-east-1"],
    ];
    for (const extra of bad)
      assertFails(await cli.run(["backends", "add", "--name", "b", ...extra]), 2);
    assert.deepEqual(JSON.parse(ok(await cli.run(["backends", "list", "--json"]))), []);
  });

  it("backends add accepts all six kinds with valid options, and lists them as JSON", async () => {
    for (const [kind, options] of VALID_BACKENDS) {
      const args = ["backends", "add", "--name", `b-${kind}`, "--kind", kind, "--json"];
      const added = JSON.parse(ok(await cli.run(options ? [...args, "--options", options] : args)));
      assert.equal(added.kind, kind);
    }
    const listed = JSON.parse(ok(await cli.run(["backends", "list", "--json"])));
    assert.deepEqual(
      listed.map((b: { kind: string }) => b.kind),
      VALID_BACKENDS.map(([k]) => k),
    );
  });

  it("backends test on env reports field names and byte length but never the value", async () => {
    const secret = `sk-test-${"é".repeat(3)}-${Date.now()}`;
    const env = { env: { TEST_SECRET: secret } };
    const text = ok(
      await cli.run(["backends", "test", "--name", "b-env", "--secret", "TEST_SECRET"], env),
    );
    assert.match(text, new RegExp(`field value: ${Buffer.byteLength(secret)} bytes`));
    const json = ok(
      await cli.run(
        ["backends", "test", "--name", "b-env", "--secret", "TEST_SECRET", "--json"],
        env,
      ),
    );
    assert.deepEqual(JSON.parse(json).fields, [
      { name: "value", bytes: Buffer.byteLength(secret) },
    ]);
    assert.ok(!text.includes(secret) && !json.includes(secret));
    assertFails(await cli.run(["backends", "test", "--name", "b-env", "--secret", "UNSET_VAR"]), 1);
  });

  it("backends test on kinds that cannot answer fails with exit 1 and one clear line", async () => {
    for (const [kind] of VALID_BACKENDS.slice(1)) {
      const r = await cli.run([
        "backends",
        "test",
        "--name",
        `b-${kind}`,
        "--secret",
        "secret/data/x#k",
      ]);
      assertFails(r, 1, /not implemented|ERR_BACKEND_(FAILED|TIMEOUT)/);
    }
  });

  it("routes add refuses a bare * host and a second equally specific route; routes remove works", async () => {
    const route = ["routes", "add", "--agent-id", agentId, "--path", "/v1/*", "--backend", "b-env"];
    assertFails(await cli.run([...route, "--host", "*"]), 2);
    const first = JSON.parse(ok(await cli.run([...route, "--host", "api.example.test", "--json"])));
    assert.match(first.id, /\S/);
    assertFails(await cli.run([...route, "--host", "api.example.test"]), 1);
    assertFails(await cli.run([...route, "--host", "API.example.test:443"]), 1);
    const listed = JSON.parse(ok(await cli.run(["routes", "list", "--json"])));
    assert.deepEqual(
      listed.map((r: { id: string }) => r.id),
      [first.id],
    );
    ok(await cli.run(["routes", "remove", "--id", first.id]));
    assertFails(await cli.run(["routes", "remove", "--id", first.id]), 1);
    assert.deepEqual(JSON.parse(ok(await cli.run(["routes", "list", "--json"]))), []);
  });

  it("trust add pins nothing when the fingerprint does not match; trust list and remove", async () => {
    const key = publicJwk("k1");
    const wrong = publicJwk("k1").fingerprint;
    assertFails(
      await cli.run(["trust", "add", "--kid", "k1", "--fingerprint", wrong, "--jwk", key.jwk]),
      1,
    );
    assert.deepEqual(JSON.parse(ok(await cli.run(["trust", "list", "--json"]))), []);
    ok(
      await cli.run([
        "trust",
        "add",
        "--kid",
        "k1",
        "--fingerprint",
        key.fingerprint,
        "--jwk",
        key.jwk,
      ]),
    );
    const listed = JSON.parse(ok(await cli.run(["trust", "list", "--json"])));
    assert.deepEqual(
      listed.map((a: { kid: string; fingerprint: string }) => [a.kid, a.fingerprint]),
      [["k1", key.fingerprint]],
    );
    ok(await cli.run(["trust", "remove", "--kid", "k1"]));
    assertFails(await cli.run(["trust", "remove", "--kid", "k1"]), 1);
    assert.deepEqual(JSON.parse(ok(await cli.run(["trust", "list", "--json"]))), []);
  });
});

describe(
  "hot reload of a running proxy",
  {
    skip: CURL ? false : "curl is not installed; the e2e suite drives real curl as the agent",
    timeout: 90_000,
  },
  () => {
    let vault: VaultFixture;
    let port: number;
    before(async () => {
      vault = await setupVault();
      ({ port } = await vault.startProxy());
    });
    after(() => vault?.close());

    const connectStatus = async (token: string) =>
      (await vault.curlAgent(port, MODELS_URL, { token })).heads[0]?.status;

    /** Polls the CONNECT status until it is `want`; returns how long that took after `since`. */
    async function until(token: string, want: number, since: number, limitMs: number) {
      for (;;) {
        const status = await connectStatus(token);
        const elapsed = performance.now() - since;
        if (status === want) return elapsed;
        if (elapsed > limitMs)
          assert.fail(`CONNECT still answers ${status} after ${Math.round(elapsed)} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it("after agents rotate the old token gets 407 within 1.5 s and the new one connects", async () => {
      assert.equal(await connectStatus(vault.agent.token), 200);
      const r = await vault.session.run([
        "agents",
        "rotate",
        "--agent-id",
        vault.agent.id,
        "--json",
      ]);
      const since = performance.now();
      const fresh = JSON.parse(ok(r)).token as string;
      await until(vault.agent.token, 407, since, 1500);
      assert.equal(await connectStatus(fresh), 200);
    });

    it("after agents revoke the agent's next CONNECT gets 407 within 1.5 s", async () => {
      const rotated = await vault.session.run([
        "agents",
        "rotate",
        "--agent-id",
        vault.agent.id,
        "--json",
      ]);
      const token = JSON.parse(ok(rotated)).token as string;
      await until(token, 200, performance.now(), 5000);
      ok(await vault.session.run(["agents", "revoke", "--agent-id", vault.agent.id]));
      await until(token, 407, performance.now(), 1500);
    });
  },
);
