/**
 * Keeps docs/cli.md honest: every command the CLI lists has a section, and each section quotes the
 * command's real `--help` text verbatim, so flag lists in the doc cannot drift from the code.
 * The command list comes from the real binary; help texts from the command modules it is built of.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Command } from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/commands.js";

// Compiled to dist/test/docs/: the repository root is three levels up, the CLI two.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

const MODULE_COMMANDS: readonly Command[] = COMMANDS;

function runCli(args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 30_000 });
}

/** Command paths from the overview, e.g. ["init", "trust add", …]. */
function listCommands(overview: string): string[] {
  const lines = overview.split("\n");
  const start = lines.indexOf("Commands:");
  const commands: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\S+(?: \S+)?) {2,}\S/.exec(line);
    if (!m) break;
    commands.push(m[1] as string);
  }
  return commands;
}

test("docs/cli.md has a section quoting the real --help of every command", () => {
  const md = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");
  const commands = listCommands(runCli(["--help"]));
  assert.ok(commands.length >= 20, `expected the full command list, got ${commands.join(", ")}`);
  const problems: string[] = [];
  for (const command of commands) {
    if (!md.split("\n").includes(`## ${command}`)) problems.push(`no "## ${command}" section`);
    const cmd = MODULE_COMMANDS.find((c) => c.path.join(" ") === command);
    if (cmd === undefined) problems.push(`"${command}" is not in this test's command modules`);
    else if (!md.includes("```text\n" + cmd.help + "\n```")) {
      problems.push(`the --help text of "${command}" is not quoted verbatim`);
    }
  }
  assert.deepEqual(problems, []);
});

test("the command list is read from the overview's Commands block only", () => {
  const overview = [
    "sigil-vault 0.1.0",
    "Commands:",
    "  init               create things",
    "  trust add          pin a key",
    "",
    "  not a command      after the blank line",
  ].join("\n");
  assert.deepEqual(listCommands(overview), ["init", "trust add"]);
});
