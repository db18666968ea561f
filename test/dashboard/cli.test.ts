/**
 * `sigil-vault start --dashboard` as a user runs it: the flag works bare or with HOST:PORT, the
 * JSON start line names the dashboard URL, a non-loopback address needs --allow-remote, and the
 * dashboard goes away when the proxy stops on SIGTERM.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertFails, ok, useInitializedHome } from "../e2e/cli-home.js";
import { dashboardGet } from "../helpers/dashboard-client.js";

describe("start --dashboard", () => {
  const home = useInitializedHome();

  it("serves the dashboard on the given address and stops with the proxy", async () => {
    const proxy = await home.cli.start([
      "start",
      "--listen",
      "127.0.0.1:0",
      "--dashboard",
      "127.0.0.1:0",
      "--json",
    ]);
    const url = new URL(String(proxy.info["dashboard"]));
    assert.equal(url.hostname, "127.0.0.1");
    const port = Number(url.port);
    const state = await dashboardGet(port, "/api/state");
    assert.equal(state.status, 200);
    assert.equal(JSON.parse(state.body).proxyListen, proxy.info["listening"]);
    const result = await proxy.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    await assert.rejects(dashboardGet(port, "/healthz"), /ECONNREFUSED/);
  });

  const refusals: [string, string[], RegExp][] = [
    [
      "a non-loopback dashboard without --allow-remote",
      ["--dashboard", "0.0.0.0:0"],
      /dashboard on non-loopback 0\.0\.0\.0 without --allow-remote/,
    ],
    ["a malformed dashboard address", ["--dashboard", "nowhere"], /--dashboard expects HOST:PORT/],
    // Bare --dashboard followed by another flag parses (the later --listen check is what fails).
    [
      "a bare --dashboard before another flag",
      ["--dashboard", "--listen", "x"],
      /--listen expects HOST:PORT/,
    ],
  ];
  for (const [name, args, pattern] of refusals) {
    it(`refuses ${name} with a usage error`, async () => {
      assertFails(await home.cli.run(["start", "--listen", "127.0.0.1:0", ...args]), 2, pattern);
    });
  }

  it("documents --dashboard in start --help", async () => {
    const help = ok(await home.cli.run(["start", "--help"]));
    assert.match(help, /\[--dashboard \[HOST:PORT\]\]/);
    assert.match(help, /sigil-vault start --dashboard/);
  });
});
