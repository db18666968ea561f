/**
 * Runs a script in a child Node whose files may not grow past 4 KiB (RLIMIT_FSIZE, set with
 * util-linux prlimit): a write that crosses the limit is cut short and the next one fails with
 * EFBIG, a real partial write for the audit writer's fail-closed tests.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { skipUnless } from "./skip.js";

const PRLIMIT = "/usr/bin/prlimit";

/** `false` when prlimit is there, else the reason to skip. */
export function fileLimitSkip(): string | false {
  return skipUnless(existsSync(PRLIMIT), "needs util-linux prlimit to limit file size");
}

/** Runs `script` (an ES module; `args` are its process.argv[1…]) and parses its JSON stdout. */
export async function runWithFileLimit(script: string, args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    PRLIMIT,
    ["--fsize=4096", process.execPath, "--input-type=module", "-e", script, ...args],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout) as unknown;
}
