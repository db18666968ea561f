/**
 * Hot reload (spec §1): with the proxy running, `agents rotate` and `agents revoke` take effect on
 * the agent's next CONNECT within 1.5 s, without a restart.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CURL } from "../helpers/cli.js";
import { ok } from "./cli-home.js";
import { MODELS_URL, setupVault, type VaultFixture } from "./vault-fixture.js";
import { skipUnless } from "../helpers/skip.js";

describe(
  "hot reload of a running proxy",
  {
    skip: skipUnless(
      CURL !== null,
      "curl is not installed; the e2e suite drives real curl as the agent",
    ),
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

    const rotate = async () => {
      const r = await vault.session.run([
        "agents",
        "rotate",
        "--agent-id",
        vault.agent.id,
        "--json",
      ]);
      return (JSON.parse(ok(r)) as { token: string }).token;
    };

    it("after agents rotate the old token gets 407 within 1.5 s and the new one connects", async () => {
      assert.equal(await connectStatus(vault.agent.token), 200);
      const fresh = await rotate();
      await until(vault.agent.token, 407, performance.now(), 1500);
      assert.equal(await connectStatus(fresh), 200);
    });

    it("after agents revoke the agent's next CONNECT gets 407 within 1.5 s", async () => {
      const token = await rotate();
      await until(token, 200, performance.now(), 5000);
      ok(await vault.session.run(["agents", "revoke", "--agent-id", vault.agent.id]));
      await until(token, 407, performance.now(), 1500);
    });
  },
);
