/**
 * `routes` as an operator uses it: the agent by name or id, `update` in place, a listing that
 * names the agent, secret, injection and binding, and the usage errors for a missing secret, a
 * secret the backend does not take, and a URL given as --host.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { assertFails, ok, useInitializedHome } from "./cli-home.js";

const STS = "region=us-east-1,role_arn=arn:aws:iam::123456789012:role/r";

describe("routes through the CLI", () => {
  const home = useInitializedHome();
  let agentId: string;
  const run = (...args: string[]) => home.cli.run(["routes", ...args]);
  const list = async () => JSON.parse(ok(await run("list", "--json"))) as Record<string, unknown>[];
  before(async () => {
    agentId = JSON.parse(ok(await home.cli.run(["agents", "create", "--name", "bot-2", "--json"])))
      .id as string;
    ok(await home.cli.run(["backends", "add", "--name", "e", "--kind", "env"]));
    ok(
      await home.cli.run([
        "backends",
        "add",
        "--name",
        "e-var",
        "--kind",
        "env",
        "--options",
        "var=K",
      ]),
    );
    ok(
      await home.cli.run([
        "backends",
        "add",
        "--name",
        "sts",
        "--kind",
        "aws-sts",
        "--options",
        STS,
      ]),
    );
  });

  it("add takes the agent by name, and lists agent name, secret, injection and binding", async () => {
    const added = JSON.parse(
      ok(
        await run(
          "add",
          "--agent",
          "bot-2",
          "--host",
          "a.example.test",
          "--path",
          "/v1/*",
          "--backend",
          "e",
          "--secret",
          "K1",
          "--json",
        ),
      ),
    );
    const [r] = await list();
    assert.deepEqual(r, {
      id: added.id,
      agentId,
      agentName: "bot-2",
      host: "a.example.test",
      path: "/v1/*",
      methods: null,
      backend: "e",
      secret: "K1",
      inject: "header:Authorization=Bearer {value}",
      binding: "required",
      upstreamCa: null,
      awsOperations: null,
      allowPlaintext: false,
    });
    const table = ok(await run("list")).split("\n");
    assert.match(table[0]!, /^ID +AGENT +HOST +PATH +METHODS +BACKEND +SECRET +INJECT +BINDING$/);
    assert.match(
      table[1]!,
      new RegExp(
        `^${added.id} +bot-2 +a\\.example\\.test +/v1/\\* +\\* +e +K1 +header:Authorization=Bearer \\{value\\} +required$`,
      ),
    );
  });

  it("add also takes --agent ID and the older --agent-id", async () => {
    ok(
      await run(
        "add",
        "--agent",
        agentId,
        "--host",
        "b.example.test",
        "--path",
        "/",
        "--backend",
        "e",
        "--secret",
        "K",
      ),
    );
    ok(
      await run(
        "add",
        "--agent-id",
        agentId,
        "--host",
        "c.example.test",
        "--path",
        "/",
        "--backend",
        "e",
        "--secret",
        "K",
      ),
    );
    assertFails(
      await run(
        "add",
        "--agent",
        "nobody",
        "--host",
        "d.example.test",
        "--path",
        "/",
        "--backend",
        "e",
        "--secret",
        "K",
      ),
      1,
      /no agent with name or id nobody \(ERR_NOT_FOUND\)/,
    );
  });

  it("update changes methods, binding, injection and secret in place; the id stays", async () => {
    const [r] = await list();
    const updated = JSON.parse(
      ok(
        await run(
          "update",
          "--id",
          String(r!["id"]),
          "--methods",
          "get,post",
          "--binding",
          "required",
          "--inject",
          "header:x-api-key={value}",
          "--secret",
          "K2",
          "--json",
        ),
      ),
    );
    const unchanged = Object.entries(r!).filter(([k]) => k !== "agentName");
    assert.deepEqual(updated, {
      ...Object.fromEntries(unchanged),
      methods: ["GET", "POST"],
      binding: "required",
      inject: "header:x-api-key={value}",
      secret: "K2",
    });
    const again = JSON.parse(
      ok(await run("update", "--id", String(r!["id"]), "--methods", "*", "--json")),
    );
    assert.equal(again.methods, null);
    const [after] = await list();
    assert.equal(after!["binding"], "required", "only the given flag changed");
  });

  it("update validates like add and leaves the file untouched on a refusal", async () => {
    const [r] = await list();
    const before = readFileSync(join(home.cli.home, "config.json"), "utf8");
    const id = String(r!["id"]);
    assertFails(await run("update", "--id", id, "--binding", "sometimes"), 2, /--binding must be/);
    assertFails(await run("update", "--id", id, "--inject", "smoke-signal"), 2);
    assertFails(await run("update", "--id", id, "--secret", ""), 2, /needs --secret REF/);
    assertFails(
      await run("update", "--id", id, "--upstream-ca", "/nonexistent.pem"),
      2,
      /does not exist/,
    );
    assertFails(await run("update", "--id", id), 2, /nothing to change/);
    assertFails(
      await run("update", "--id", "rt_missing00", "--binding", "off"),
      1,
      /ERR_NOT_FOUND/,
    );
    assert.equal(readFileSync(join(home.cli.home, "config.json"), "utf8"), before);
  });

  const refusals: [string, string[], RegExp][] = [
    [
      "no --secret on an env backend without var",
      ["--backend", "e"],
      /backend e \(env\) needs --secret REF/,
    ],
    [
      "a --secret on aws-sts, which takes none",
      ["--backend", "sts", "--secret", "x"],
      /takes no --secret/,
    ],
    [
      "a URL as --host",
      ["--backend", "e", "--secret", "K", "--host", "https://api.openai.com/v1"],
      /--host takes a host name like api\.openai\.com .*not a URL/,
    ],
  ];
  for (const [what, extra, reason] of refusals) {
    it(`add refuses ${what} (exit 2)`, async () => {
      const args = ["add", "--agent", "bot-2", "--path", "/x/*", ...extra];
      if (!extra.includes("--host")) args.push("--host", "x.example.test");
      assertFails(await run(...args), 2, reason);
    });
  }

  it("add accepts no --secret where the backend works without one", async () => {
    ok(
      await run(
        "add",
        "--agent",
        "bot-2",
        "--host",
        "v.example.test",
        "--path",
        "/",
        "--backend",
        "e-var",
      ),
    );
    ok(
      await run(
        "add",
        "--agent",
        "bot-2",
        "--host",
        "s.example.test",
        "--path",
        "/",
        "--backend",
        "sts",
        "--inject",
        "aws-sigv4",
      ),
    );
  });

  it("remove takes --agent with --host to narrow, or --id", async () => {
    const removed = JSON.parse(
      ok(await run("remove", "--agent", "bot-2", "--host", "b.example.test", "--json")),
    );
    assert.equal(removed.removed.length, 1);
    assert.ok(!(await list()).some((r) => r["host"] === "b.example.test"));
    assertFails(
      await run("remove", "--agent", "bot-2", "--host", "b.example.test"),
      1,
      /no route matches/,
    );
    assertFails(await run("remove"), 2, /give --id, or --agent/);
    const all = await list();
    ok(await run("remove", "--agent-id", agentId));
    assert.deepEqual(await list(), []);
    assert.ok(all.length > 1);
  });
});
