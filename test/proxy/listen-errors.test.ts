/**
 * The errors an operator meets when starting a proxy where something already runs: the home is
 * held (which pid, which address) and a port is taken (ERR_IO with the address, for the proxy
 * listener and for the dashboard's) — never a raw `listen EADDRINUSE`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { startProxy, type StartOptions } from "../../src/proxy/app.js";
import { startHarness, type Harness } from "../helpers/harness.js";

function rejectsWith(code: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof SigilError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /^listen /);
    return true;
  };
}

describe("starting a proxy where one already runs", () => {
  let running: Harness;
  let idle: Harness;
  before(async () => {
    running = await startHarness({ dashboard: true });
    idle = await startHarness();
    await idle.stopProxy(); // its home is free; only ports are contended below
  });
  after(async () => {
    await Promise.all([running?.stop(), idle?.stop()]);
  });
  const opts = (home: Harness["home"], o: Partial<StartOptions>): StartOptions => ({
    home,
    listen: "127.0.0.1:0",
    logger: { log() {} },
    env: {},
    ...o,
  });

  it("a second start on the same home names the pid and address that hold it", async () => {
    await assert.rejects(
      startProxy(opts(running.home, {})),
      rejectsWith(
        "ERR_CONFLICT",
        new RegExp(
          `\\(pid ${process.pid}, listening on 127\\.0\\.0\\.1:${running.proxyPort}\\) holds `,
        ),
      ),
    );
  });

  it("a busy proxy port is ERR_IO naming the address", async () => {
    const port = running.proxyPort;
    await assert.rejects(
      startProxy(opts(idle.home, { listen: `127.0.0.1:${port}` })),
      rejectsWith(
        "ERR_IO",
        new RegExp(
          `^cannot listen on 127\\.0\\.0\\.1:${port} for the proxy: address already in use \\(EADDRINUSE\\)$`,
        ),
      ),
    );
  });

  it("a busy dashboard port is ERR_IO naming the address", async () => {
    const port = running.dashboardPort;
    await assert.rejects(
      startProxy(opts(idle.home, { dashboard: `127.0.0.1:${port}` })),
      rejectsWith(
        "ERR_IO",
        new RegExp(
          `^cannot listen on 127\\.0\\.0\\.1:${port} for the dashboard: address already in use \\(EADDRINUSE\\)$`,
        ),
      ),
    );
  });

  it("a failed start releases the home for the next one", async () => {
    const proxy = await startProxy(opts(idle.home, {}));
    await proxy.stop("test", 100);
  });
});
