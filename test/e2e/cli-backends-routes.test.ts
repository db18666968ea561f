/**
 * `backends` and `routes` from the outside (spec §2, §6, §7): option validation, all six kinds,
 * `backends test` never printing a value, route ambiguity and removal.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { assertFails, ok, useInitializedHome } from "./cli-home.js";

/** Closed local port: any backend that tries the network fails fast and stays offline. */
const DEAD = "https://127.0.0.1:9";
const VALID_BACKENDS: [kind: string, options: string][] = [
  ["env", ""],
  ["hashicorp-vault", `vault_addr=${DEAD},auth_method=token,token_env=VAULT_TOKEN,timeout_ms=500`],
  ["aws-secrets-manager", `region=us-east-1,endpoint=${DEAD},timeout_ms=500`],
  [
    "aws-sts",
    `region=us-east-1,role_arn=arn:aws:iam::123456789012:role/r,endpoint=${DEAD},timeout_ms=500`,
  ],
  ["azure-key-vault", `vault_url=${DEAD},authority_host=${DEAD},timeout_ms=500`],
  [
    "gcp-secret-manager",
    `project=sigil-test-project,endpoint=${DEAD},token_uri=${DEAD},timeout_ms=500`,
  ],
];

describe("backends and routes through the CLI", { timeout: 120_000 }, () => {
  const home = useInitializedHome();
  let agentId: string;
  before(async () => {
    agentId = JSON.parse(
      ok(await home.cli.run(["agents", "create", "--name", "bot-1", "--json"])),
    ).id;
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
      assertFails(await home.cli.run(["backends", "add", "--name", "b", ...extra]), 2);
    assert.deepEqual(JSON.parse(ok(await home.cli.run(["backends", "list", "--json"]))), []);
  });

  it("backends add accepts all six kinds with valid options, and lists them as JSON", async () => {
    for (const [kind, options] of VALID_BACKENDS) {
      const args = ["backends", "add", "--name", `b-${kind}`, "--kind", kind, "--json"];
      const added = JSON.parse(
        ok(await home.cli.run(options ? [...args, "--options", options] : args)),
      );
      assert.equal(added.kind, kind);
    }
    const listed = JSON.parse(ok(await home.cli.run(["backends", "list", "--json"])));
    assert.deepEqual(
      listed.map((b: { kind: string }) => b.kind),
      VALID_BACKENDS.map(([k]) => k),
    );
  });

  it("backends test on env reports field names and byte length but never the value", async () => {
    const secret = `sk-test-${"é".repeat(3)}-${Date.now()}`;
    const env = { env: { TEST_SECRET: secret } };
    const text = ok(
      await home.cli.run(["backends", "test", "--name", "b-env", "--secret", "TEST_SECRET"], env),
    );
    assert.match(text, new RegExp(`field value: ${Buffer.byteLength(secret)} bytes`));
    const json = ok(
      await home.cli.run(
        ["backends", "test", "--name", "b-env", "--secret", "TEST_SECRET", "--json"],
        env,
      ),
    );
    assert.deepEqual(JSON.parse(json).fields, [
      { name: "value", bytes: Buffer.byteLength(secret) },
    ]);
    assert.ok(!text.includes(secret) && !json.includes(secret));
    assertFails(
      await home.cli.run(["backends", "test", "--name", "b-env", "--secret", "UNSET_VAR"]),
      1,
    );
  });

  it("backends test on kinds that cannot answer fails with exit 1 and one clear line", async () => {
    for (const [kind] of VALID_BACKENDS.slice(1)) {
      const r = await home.cli.run([
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
    const route = [
      "routes",
      "add",
      "--agent-id",
      agentId,
      "--path",
      "/v1/*",
      "--backend",
      "b-env",
      "--secret",
      "K",
    ];
    assertFails(await home.cli.run([...route, "--host", "*"]), 2);
    const first = JSON.parse(
      ok(await home.cli.run([...route, "--host", "api.example.test", "--json"])),
    );
    assert.match(first.id, /\S/);
    assert.equal(first.binding, "required", "a route added without --binding requires the intent");
    assertFails(await home.cli.run([...route, "--host", "api.example.test"]), 1);
    assertFails(await home.cli.run([...route, "--host", "API.example.test:443"]), 1);
    const listed = JSON.parse(ok(await home.cli.run(["routes", "list", "--json"])));
    assert.deepEqual(
      listed.map((r: { id: string }) => r.id),
      [first.id],
    );
    ok(await home.cli.run(["routes", "remove", "--id", first.id]));
    assertFails(await home.cli.run(["routes", "remove", "--id", first.id]), 1);
    assert.deepEqual(JSON.parse(ok(await home.cli.run(["routes", "list", "--json"]))), []);
  });
});
