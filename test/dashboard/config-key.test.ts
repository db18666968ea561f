/**
 * `proxy.dashboard` in the config file turns the dashboard on like `start --dashboard`, under the
 * same loopback rule.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { startHarness } from "../helpers/harness.js";
import { dashboardGet } from "../helpers/dashboard-client.js";

describe("proxy.dashboard config key", () => {
  it("starts the dashboard from the config", async () => {
    const h = await startHarness({ proxy: { dashboard: "127.0.0.1:0" } });
    try {
      assert.ok(h.dashboardPort > 0);
      assert.equal((await dashboardGet(h.dashboardPort, "/healthz")).status, 200);
    } finally {
      await h.stop();
    }
  });

  it("refuses a non-loopback dashboard address without --allow-remote", async () => {
    await assert.rejects(
      startHarness({ proxy: { dashboard: "0.0.0.0:0" } }),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
    );
  });
});
