/**
 * Runs a Python agent the way a user would: `sigil-vault run --agent-token-file F -- python3 …`
 * against an SDK fixture, with the Python client on PYTHONPATH and the Sign settings in the
 * environment. Debian's /usr/bin/python3 (with python3-requests, -httpx, -aiohttp) is the
 * interpreter; without it the caller skips with a printed reason — except under CI, where the
 * packages are installed by .ci/run and the tests run (and fail) regardless.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_MAIN } from "../helpers/cli.js";
import { SIGN_API_KEY, type SdkFixture } from "./sdk-fixture.js";

export const PYTHON = "/usr/bin/python3";
export const PYTHON_CLIENT = fileURLToPath(new URL("../../../clients/python", import.meta.url));

/** Why the Python tests cannot run here, or false. Under CI a reason is an error instead. */
export const pythonSkip: string | false = await new Promise((resolve) =>
  execFile(PYTHON, ["-c", "import requests, httpx, aiohttp"], (err) => {
    if (!err) return resolve(false);
    const reason = `${PYTHON} with requests, httpx and aiohttp is not installed (apt: python3-requests python3-httpx python3-aiohttp)`;
    // Under CI .ci/run installs them: run anyway, so that a missing package fails loudly.
    resolve(process.env["CI"] ? false : reason);
  }),
);

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `script` (Python source) under `sigil-vault run` as the fixture's agent. */
export function runPythonAgent(f: SdkFixture, script: string): Promise<PythonRun> {
  const file = join(f.h.home.root, `agent-${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, script);
  return runUnderVault(f, [PYTHON, file], { PYTHONPATH: PYTHON_CLIENT });
}

/**
 * Runs a command under `sigil-vault run` as the fixture's agent, with the Sign settings in the
 * environment (SIGIL_SIGN_URL, SIGIL_SIGN_API_KEY, SIGIL_AGENT_ID, SIGIL_FRAMEWORK).
 */
export function runUnderVault(
  f: SdkFixture,
  command: string[],
  extraEnv: Record<string, string> = {},
): Promise<PythonRun> {
  const tokenFile = join(f.h.home.root, "agent.token");
  writeFileSync(tokenFile, f.h.agent.token, { mode: 0o600 });
  const env = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    SIGIL_SIGN_URL: f.signUrl,
    SIGIL_SIGN_API_KEY: SIGN_API_KEY,
    SIGIL_AGENT_ID: f.h.agent.name,
    SIGIL_FRAMEWORK: "agent-test",
    // Importing the client must not leave __pycache__ in the source tree.
    PYTHONDONTWRITEBYTECODE: "1",
    ...extraEnv,
  };
  const argv = [CLI_MAIN, "--home", f.h.home.root, "run", "--agent-token-file", tokenFile];
  argv.push("--proxy", `127.0.0.1:${f.h.proxyPort}`, "--", ...command);
  return new Promise((resolve) =>
    execFile(process.execPath, argv, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    }),
  );
}
