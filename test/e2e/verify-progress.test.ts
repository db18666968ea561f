/**
 * `audit verify` on a long log shows a progress line only on a terminal: under a pseudo-terminal
 * (util-linux `script`) the line is drawn and erased before the result; piped, stderr stays empty.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openAuditWriter } from "../../src/audit/writer.js";
import { CLI_MAIN } from "../helpers/cli.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";
import { skipUnless } from "../helpers/skip.js";

const SCRIPT = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p)) ?? null;

function exec(file: string, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("audit verify draws progress on a terminal and stays quiet in a pipe", async (t) => {
  const home = await makeTmpDir(t);
  const w = await openAuditWriter({ dir: join(home, "audit") });
  await Promise.all(
    Array.from({ length: 20_000 }, (_, i) =>
      w.append({ type: "deny", requestId: `r${i}`, code: "ERR_NO_ROUTE", reason: "no route" }),
    ),
  );
  await w.close();
  const args = [CLI_MAIN, "--home", home, "audit", "verify"];

  const piped = await exec(process.execPath, args);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /^OK 20000 records, head [0-9a-f]{64}\n$/);
  assert.equal(piped.stderr, "");

  const skip = skipUnless(
    SCRIPT !== null,
    "util-linux `script` is not installed: no pseudo-terminal to test",
  );
  if (skip || !SCRIPT) return t.skip(skip || undefined);
  const command = [process.execPath, ...args].map((a) => `'${a}'`).join(" ");
  const tty = await exec(SCRIPT, ["-qec", command, "/dev/null"]);
  assert.equal(tty.code, 0, tty.stdout);
  assert.match(tty.stdout, /\r\x1b\[2Kverifying \d{1,3}% — [\d,]+ records/);
  assert.match(tty.stdout, /\r\x1b\[2KOK 20000 records, head [0-9a-f]{64}/);
});
