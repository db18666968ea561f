/**
 * How doctor reads the echo's report: a healthy report is all ok, and each broken property (no
 * injection, the agent's own Authorization forwarded, agent-only headers forwarded, the wrong TLS
 * name, a certificate for another name accepted, an unmasked echo) fails its own line and only that one. Also: no probe material → FAIL.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { resolveHome } from "../../src/config/home.js";
import { formatResult } from "../../src/doctor/check.js";
import { runProbe } from "../../src/doctor/probe-check.js";
import { judgeReport } from "../../src/doctor/probe-judge.js";
import type { EchoReport } from "../../src/probe/echo.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const MASK = "*".repeat(40);
const healthy: EchoReport = {
  probe: "sigil-vault",
  injected: true,
  authorizationHeaders: 1,
  reached: [],
  servername: "probe.sigil-vault.invalid",
  echo: MASK,
};

describe("doctor: judging the probe's echo report", () => {
  it("passes a healthy report on every line", () => {
    const results = judgeReport(healthy, MASK, "ERR_UPSTREAM_FAILED");
    assert.deepEqual(
      results.map((r) => [r.check, r.status]),
      [
        ["probe: injection", "ok"],
        ["probe: header stripping", "ok"],
        ["probe: upstream TLS", "ok"],
        ["probe: redaction", "ok"],
      ],
    );
  });

  const REFUSED = "ERR_UPSTREAM_FAILED";
  type Case = [string, Partial<EchoReport>, string | undefined, string | undefined, string, RegExp];
  const broken: Case[] = [
    ["no probe credential", { injected: false }, MASK, REFUSED, "probe: injection", /absent/],
    [
      "the agent's own Authorization forwarded too",
      { authorizationHeaders: 2 },
      MASK,
      REFUSED,
      "probe: injection",
      /got 2 Authorization headers/,
    ],
    [
      "the attestation forwarded",
      { reached: ["x-sigil-attestation"] },
      MASK,
      REFUSED,
      "probe: header stripping",
      /x-sigil-attestation reached the upstream/,
    ],
    [
      "another TLS name",
      { servername: "127.0.0.1" },
      MASK,
      REFUSED,
      "probe: upstream TLS",
      /server name 127\.0\.0\.1/,
    ],
    [
      "a certificate for another name accepted",
      {},
      MASK,
      undefined,
      "probe: upstream TLS",
      /another name was not refused \(no error\)/,
    ],
    [
      "an unmasked body",
      { echo: "svprobe_abcdefgh" },
      MASK,
      REFUSED,
      "probe: redaction",
      /unmasked/,
    ],
    ["an unmasked header", {}, "svprobe_abcdefgh", REFUSED, "probe: redaction", /unmasked/],
    ["no header at all", {}, undefined, REFUSED, "probe: redaction", /unmasked/],
  ];
  for (const [name, change, header, wrongName, check, message] of broken) {
    it(`fails "${check}" on ${name}, and nothing else`, () => {
      const results = judgeReport({ ...healthy, ...change }, header, wrongName);
      const failed = results.filter((r) => r.status === "fail");
      assert.equal(failed.length, 1, results.map(formatResult).join("\n"));
      assert.equal(failed[0]!.check, check);
      assert.match(failed[0]!.message, message);
      assert.ok(failed[0]!.fix);
      assert.ok(!formatResult(failed[0]!).includes("svprobe_"), "never the credential");
    });
  }

  it("fails when no proxy wrote probe material to this home", async (t) => {
    const home = resolveHome(join(await makeTmpDir(t), "home"), {});
    const results = await runProbe(home, { host: "127.0.0.1", port: 9, text: "127.0.0.1:9" }, 0);
    assert.equal(results.length, 1);
    assert.equal(results[0]!.status, "fail");
    assert.match(results[0]!.message, /no probe material .*is the proxy running on this home/);
    assert.match(results[0]!.fix!, /sigil-vault start/);
  });
});
