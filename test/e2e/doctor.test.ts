/**
 * `sigil-vault doctor` end to end: the built binary against a real proxy (startProxy on a harness
 * home) — every check ok and the probe proving injection, stripping, TLS, redaction, replay and
 * audit; then the failures an operator meets: bad permissions, and --probe with the proxy stopped.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { CheckResult } from "../../src/doctor/check.js";
import { CLI_MAIN } from "../helpers/cli.js";
import { startHarness, type Harness } from "../helpers/harness.js";

/** Runs doctor on the harness home; its environment lacks the backend's variable unless given. */
function doctor(h: Harness, args: string[], env: Record<string, string> = {}) {
  return sigil(h, ["doctor", ...args], env);
}

function sigil(h: Harness, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [CLI_MAIN, ...args, "--home", h.home.root],
      { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("sigil-vault doctor", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());
  const proxy = () => ["--proxy", `127.0.0.1:${h.proxyPort}`];

  it("--probe against a running proxy: every line ok, exit 0", async () => {
    const r = await doctor(h, ["--probe", ...proxy()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    for (const line of lines) assert.match(line, /^ok {3}\S/);
    for (const name of [
      "home",
      "ca",
      "config",
      "backend demo-env secret DEMO_KEY",
      "replay store",
      "audit",
      "proxy",
      "probe: request",
      "probe: injection",
      "probe: header stripping",
      "probe: upstream TLS",
      "probe: redaction",
      "probe: replay",
      "probe: audit",
    ]) {
      assert.ok(
        lines.some((l) => l.startsWith(`ok   ${name}: `)),
        `${name} in ${r.stdout}`,
      );
    }
    assert.match(r.stdout, /^ok {3}anchor harness-\S+: key loads from inline JWK and matches/m);
    assert.ok(!(r.stdout + r.stderr).includes(h.canary), "never a credential");
  });

  it("asks the running proxy about every route's secret: doctor's own environment lacks it", async () => {
    const r = await doctor(h, proxy());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^ok {3}backend demo-env secret DEMO_KEY: the running proxy \\(pid ${process.pid}\\) fetched it in \\d+ ms \\(value ${h.canary.length} bytes\\) for routes rt_`,
        "m",
      ),
    );
    assert.ok(!(r.stdout + r.stderr).includes(h.canary), "never a credential");
  });

  it("the probe request took the real pipeline: release then outcome, replay denied", async () => {
    const records = await h.readAudit();
    const release = records.findLast(
      (r) => r.type === "release" && r.route === "rt_sigil-vault-probe",
    );
    assert.ok(release);
    assert.equal(release["backend"], "sigil-vault-probe");
    assert.equal(release["binding"], "verified");
    assert.equal(release["probe"], true, "probe records are marked");
    const outcome = records.find((r) => r.type === "outcome" && r.requestId === release.requestId);
    assert.equal(outcome?.["status"], 200);
    assert.equal(outcome?.["probe"], true);
    assert.equal(outcome?.["redacted"], 2, "body and header echo masked");
    assert.ok(
      records.some(
        (r) =>
          r.type === "deny" &&
          r.replayId === release.replayId &&
          r.code === "ERR_ATTESTATION_REPLAYED" &&
          r.probe === true,
      ),
    );
    const wrongName = records.findLast(
      (r) => r.type === "release" && r.route === "rt_sigil-vault-probe-tls",
    );
    assert.ok(wrongName, "the wrong-name request got as far as the upstream connection");
    const refused = records.find(
      (r) => r.type === "outcome" && r.requestId === wrongName.requestId,
    );
    assert.equal(refused?.["error"], "ERR_UPSTREAM_FAILED");
  });

  it("audit tail hides the probe's records unless --include-probe", async () => {
    const lines = async (extra: string[]) => {
      const r = await sigil(h, ["audit", "tail", "-n", "1000", "--json", ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const hidden = await lines([]);
    assert.ok(hidden.some((r) => r["type"] === "start"));
    assert.ok(!hidden.some((r) => r["probe"] === true || r["backend"] === "sigil-vault-probe"));
    const shown = await lines(["--include-probe"]);
    assert.ok(shown.filter((r) => r["probe"] === true).length >= 4, "releases, outcomes, deny");
    const table = await sigil(h, ["audit", "tail", "-n", "5"]);
    assert.doesNotMatch(table.stdout, /sigil-vault-probe/);
    assert.equal(table.stdout.trimEnd().split("\n").length, 1 + Math.min(5, hidden.length));
  });

  it("--json gives the structured array", async () => {
    const r = await doctor(h, ["--json", ...proxy()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const results = JSON.parse(r.stdout) as CheckResult[];
    assert.ok(results.length >= 6);
    for (const x of results) {
      assert.deepEqual(
        Object.keys(x).filter((k) => k !== "fix"),
        ["check", "status", "message"],
      );
      assert.equal(x.status, "ok");
    }
  });

  it("bad permissions: a FAIL line with its fix, exit 1", async () => {
    await chmod(h.home.config, 0o644);
    try {
      const r = await doctor(h, proxy());
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^FAIL home: \S+config\.json is mode 0644, expected 0600 — fix: chmod 600 \S+config\.json$/m,
      );
    } finally {
      await chmod(h.home.config, 0o600);
    }
  });

  it("a stopped proxy is a warning without --probe and a failure with it", async () => {
    const port = h.proxyPort;
    await h.stopProxy();
    const plain = await doctor(h, ["--proxy", `127.0.0.1:${port}`], { DEMO_KEY: h.canary });
    assert.equal(plain.code, 0, plain.stdout);
    assert.match(
      plain.stdout,
      /^ok {3}backend demo-env secret DEMO_KEY: env answered .*, checked with doctor's own environment \(no proxy runs\)$/m,
    );
    assert.match(
      plain.stdout,
      /^warn proxy: nothing answers on 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/m,
    );
    const probed = await doctor(h, ["--probe", "--proxy", `127.0.0.1:${port}`]);
    assert.equal(probed.code, 1);
    assert.match(probed.stdout, /^FAIL proxy: .* — fix: sigil-vault start/m);
    assert.doesNotMatch(probed.stdout, /probe:/);
  });
});
