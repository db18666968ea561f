/**
 * A token or login file that group or others can read still works, but every place that reads one
 * says so: `env`/`run` for --agent-token-file, `backends test` and `doctor` for a backend's
 * token_file (and the other login-file options), with the chmod that fixes it.
 */
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { looseFileWarning } from "../../src/config/file-mode.js";
import { ok, useInitializedHome } from "./cli-home.js";

const TOKEN = `svt_${"A".repeat(43)}`;

describe("secret files readable by others", () => {
  const home = useInitializedHome();
  const file = (name: string, mode: number, content: string) => {
    const path = join(home.cli.home, "..", name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  it("looseFileWarning flags group/other bits only", () => {
    const loose = file("loose", 0o640, "x");
    assert.equal(
      looseFileWarning(loose, "token file"),
      `token file ${loose} is accessible by group or others (mode 0640); run chmod 600 ${loose}`,
    );
    assert.equal(looseFileWarning(file("tight", 0o600, "x"), "token file"), undefined);
    assert.equal(looseFileWarning(file("ro", 0o400, "x"), "token file"), undefined);
  });

  it("env --agent-token-file warns on a 0644 file and still works; silent on 0600", async () => {
    const loose = file("agent-token-loose", 0o644, `${TOKEN}\n`);
    const r = await home.cli.run(["env", "--agent-token-file", loose]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      `warning: agent token file ${loose} is accessible by group or others (mode 0644); run chmod 600 ${loose}\n`,
    );
    assert.match(r.stdout, /^export HTTPS_PROXY=/m);
    const tight = file("agent-token-tight", 0o600, `${TOKEN}\n`);
    const quiet = await home.cli.run(["env", "--agent-token-file", tight]);
    assert.equal(quiet.stderr, "");
  });

  it("backends test and doctor warn about a backend's loose token_file", async () => {
    const tokenFile = file("vault-token", 0o644, "hvs.not-a-real-token\n");
    ok(
      await home.cli.run([
        "backends",
        "add",
        "--name",
        "hv",
        "--kind",
        "hashicorp-vault",
        "--options",
        `vault_addr=https://127.0.0.1:9,auth_method=token,token_file=${tokenFile},timeout_ms=300`,
      ]),
    );
    const expected = `backend hv: token_file ${tokenFile} is accessible by group or others (mode 0644); run chmod 600 ${tokenFile}`;
    const test = await home.cli.run([
      "backends",
      "test",
      "--name",
      "hv",
      "--secret",
      "secret/data/x",
    ]);
    assert.equal(test.code, 1, "the fetch itself fails: nothing listens there");
    assert.ok(test.stderr.startsWith(`warning: ${expected}\n`), test.stderr);
    const doctor = await home.cli.run(["doctor"]);
    assert.match(
      doctor.stdout,
      new RegExp(`^warn backend hv: ${expected.replace(/[.()]/g, "\\$&")}$`, "m"),
    );
  });
});
