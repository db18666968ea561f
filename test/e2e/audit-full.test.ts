/**
 * A full audit disk under the real CLI proxy (spec §8, issue #5). The disk is "filled" by lowering
 * the running proxy's RLIMIT_FSIZE to the log's current size (prlimit --pid; Node ignores SIGXFSZ,
 * so writes past it fail with EFBIG, as a full disk fails with ENOSPC): requests are refused with
 * 503 and nothing is forwarded; once the limit is lifted, the same process serves again.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { listAuditFiles } from "../../src/audit/files.js";
import { readAudit } from "../helpers/harness.js";
import { createAttestedAgent, type AttestedAgent } from "./attested-agent.js";
import { setupVault, type VaultFixture } from "./vault-fixture.js";
import { skipUnless } from "../helpers/skip.js";

const PRLIMIT = "/usr/bin/prlimit";

describe(
  "a full audit disk under the real proxy",
  { skip: skipUnless(existsSync(PRLIMIT), "needs util-linux prlimit"), timeout: 90_000 },
  () => {
    let vault: VaultFixture;
    let agent: AttestedAgent;
    let port = 0;
    let proxy: Awaited<ReturnType<VaultFixture["startProxy"]>>["proxy"];
    let auditDir = "";

    before(async () => {
      vault = await setupVault();
      agent = await createAttestedAgent(vault);
      ({ proxy, port } = await vault.startProxy());
      auditDir = join(vault.home, "audit");
      assert.equal((await agent.send(port, agent.mint("warm-up"))).status, 200);
      // The warm-up's `outcome` is lazy (flushed within a few ms of the response): wait for it,
      // or it could land after the test below has measured the log's size.
      for (const until = Date.now() + 5000; ;) {
        if ((await readAudit(auditDir)).at(-1)?.type === "outcome") break;
        assert.ok(Date.now() < until, "the warm-up's outcome record never arrived");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    after(() => vault?.close());

    const fsizeLimit = async (limit: string) => {
      const start = (await readAudit(auditDir)).findLast((r) => r.type === "start");
      const pid = String(start?.["pid"]);
      await promisify(execFile)(PRLIMIT, ["--pid", pid, `--fsize=${limit}:unlimited`]);
    };

    it("refuses with 503 ERR_AUDIT_UNAVAILABLE, forwards nothing, and serves again once space returns", async () => {
      const file = (await listAuditFiles(auditDir)).at(-1)!.path;
      const size = (await stat(file)).size;
      await fsizeLimit(String(size + 64)); // room for a partial record, never a whole one
      const seen = vault.upstream.requests.length;
      try {
        for (let i = 0; i < 3; i++) {
          const res = await agent.send(port, agent.mint("full"));
          assert.equal(res.status, 503, res.body.toString());
          assert.equal(res.headers["x-sigil-error"], "ERR_AUDIT_UNAVAILABLE");
          const body = JSON.parse(res.body.toString()) as { error: { code: string } };
          assert.equal(body.error.code, "ERR_AUDIT_UNAVAILABLE");
        }
        assert.equal(vault.upstream.requests.length, seen, "nothing was forwarded");
        assert.equal((await stat(file)).size, size, "a partial write was cut back off");
      } finally {
        await fsizeLimit("unlimited");
      }
      assert.match(proxy.output.stderr, /deny record could not be written/);
      const res = await agent.send(port, agent.mint("space-again"));
      assert.equal(res.status, 200, "the same process releases again");
      assert.equal(vault.upstream.requests.length, seen + 1);
    });

    it("leaves a log that verifies after a clean stop", async () => {
      assert.equal((await proxy.stop()).code, 0);
      const verify = await vault.session.run(["audit", "verify"]);
      assert.equal(verify.code, 0, verify.stderr);
      const records = await readAudit(auditDir);
      assert.equal(records.filter((r) => String(r["path"]).startsWith("/v1/full/")).length, 0);
      assert.ok(
        records.some(
          (r) => r.type === "release" && r["path"]?.toString().startsWith("/v1/space-again/"),
        ),
      );
    });
  },
);
