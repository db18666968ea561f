/**
 * The README's operator walkthrough, run as written: every ```sh block of that section, verbatim
 * and in order, in one bash session, in a fresh temporary HOME (so ~/.sigil-vault is new), with a
 * `sigil-vault` on PATH that runs this checkout's build. Nothing in the blocks is replaced. It
 * checks each block finished, then what the walkthrough promises: doctor (run without the
 * proxy's OPENAI_API_KEY) learns from the proxy that the route's secret can be fetched, the probe
 * passes, the requests were released and audited, and the chain verifies. The proxy and the dev
 * signer the README starts in the background are stopped by the README itself and, whatever
 * happens, by killing the session's process group.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { readAudit, sleep } from "../helpers/harness.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** The dev signer's and the proxy's default ports, which the README uses as written. */
const PORTS = [10256, 10255];

/** The ```sh blocks between "## Operator walkthrough" and the next "## " heading. */
export function walkthroughBlocks(markdown: string): string[] {
  const start = markdown.indexOf("\n## Operator walkthrough\n");
  assert.ok(start >= 0, "README has an Operator walkthrough section");
  const rest = markdown.slice(start + 1);
  const end = rest.indexOf("\n## ", 1);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const busy: number[] = [];
for (const p of PORTS) if (!(await portFree(p))) busy.push(p);
const skip = busy.length
  ? `ports ${busy.join(", ")} are in use and the README walkthrough uses the default ports`
  : false;

test(
  "every command block of the README walkthrough runs as written",
  { skip, timeout: 240_000 },
  async (t) => {
    const blocks = walkthroughBlocks(await readFile(join(ROOT, "README.md"), "utf8"));
    assert.ok(blocks.length >= 3, "the walkthrough has its command blocks");
    const dir = await makeTmpDir(t, "sigil-readme-");
    await mkdir(join(dir, "bin"));
    const fake = join(dir, "bin", "sigil-vault");
    await writeFile(fake, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    await chmod(fake, 0o755);
    const script = [
      "set -eu",
      // A marker on its own line: curl's output may end without a newline.
      ...blocks.flatMap((b, i) => [`printf '\\n::block ${i}\\n'`, b, `printf '\\n::done ${i}\\n'`]),
    ].join("\n");
    await writeFile(join(dir, "walkthrough.sh"), script);

    const child = spawn("bash", ["walkthrough.sh"], {
      cwd: dir,
      env: {
        PATH: `${join(dir, "bin")}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
        HOME: dir,
        LANG: "C",
      },
      detached: true, // its own process group: the background jobs go with it
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    t.after(killGroup);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(killGroup, 180_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const transcript = `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    assert.equal(code, 0, transcript);
    for (let i = 0; i < blocks.length; i++)
      assert.match(stdout, new RegExp(`^::done ${i}$`, "m"), transcript);

    const home = join(dir, ".sigil-vault");
    // The README's `kill %2 %1` stops the proxy: it drains, writes `stop` and releases the home.
    for (
      const until = Date.now() + 15_000;
      existsSync(join(home, "proxy.lock"));
      await sleep(100)
    ) {
      if (Date.now() > until) assert.fail(`the proxy did not stop\n${transcript}`);
    }
    assert.match(
      stdout,
      /^ok {3}backend dev-env secret OPENAI_API_KEY: the running proxy \(pid \d+\) fetched it in \d+ ms \(value 6 bytes\)/m,
      "doctor asked the proxy, whose environment has the key (doctor's has not)",
    );
    assert.match(stdout, /^ok {3}probe: request: /m);
    assert.doesNotMatch(stdout, /^FAIL /m, transcript);
    assert.match(stdout, /^OK \d+ records, head [0-9a-f]{64}$/m);

    const records = await readAudit(join(home, "audit"));
    const releases = records.filter((r) => r.type === "release" && r["host"] === "api.openai.com");
    assert.equal(releases.length, 2, "both requests passed every check and were released");
    for (const r of releases) {
      assert.equal(r["secretRef"], "OPENAI_API_KEY");
      assert.equal(r["binding"], "verified");
      assert.ok(records.some((o) => o.type === "outcome" && o["requestId"] === r["requestId"]));
    }
    assert.equal(records.at(-1)?.type, "stop");
  },
);
