#!/usr/bin/env node
/**
 * The `sigil-vault` entry point: picks the command from the leading words, parses its flags
 * strictly, runs it, and turns any error into one line on stderr with exit code 1 (runtime) or
 * 2 (usage). Nothing else in the codebase prints or exits.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolveHome } from "../config/home.js";
import { SigilError } from "../errors.js";
import { VERSION } from "../version.js";
import type { CliContext, Command, Options } from "./command.js";
import { COMMANDS } from "./commands.js";
import { createProgressLine } from "./progress.js";

/** The docs/ shipped next to dist/ (in a checkout and in the npm package alike). */
const DOCS_DIR = fileURLToPath(new URL("../../../docs/", import.meta.url));

const GLOBAL: Options = {
  home: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

function overview(): string {
  const rows = COMMANDS.map((c) => `  ${c.path.join(" ").padEnd(18)} ${c.summary}`);
  return `sigil-vault ${VERSION} — just-in-time credentials for AI agents

Usage: sigil-vault <command> [options] [--home DIR] [--json]

Commands:
${rows.join("\n")}

Run "sigil-vault <command> --help" for options and examples.
Home: --home DIR, else $SIGIL_VAULT_HOME, else ~/.sigil-vault.
Docs: ${DOCS_DIR} (the docs/ pages named in --help texts).`;
}

/** Global flags may come before the command words (`sigil-vault --home D agents list`). */
function findCommand(argv: string[]): { command?: Command; rest: string[]; group?: string } {
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith("-")) i += argv[i] === "--home" ? 2 : 1;
  const leading = argv.slice(0, i);
  const words = argv.slice(i, i + 2);
  const command = COMMANDS.find((c) => c.path.every((w, k) => words[k] === w));
  if (command) return { command, rest: [...leading, ...argv.slice(i + command.path.length)] };
  const group = COMMANDS.some((c) => c.path[0] === words[0] && c.path.length > 1)
    ? words[0]
    : undefined;
  return { rest: argv.slice(i), ...(group ? { group } : {}) };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const out = (line: string) => void process.stdout.write(line + "\n");
  const err = (line: string) => void process.stderr.write(line + "\n");
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    out(overview());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === "--version" || argv[0] === "version") {
    out(VERSION);
    return 0;
  }
  const { command, rest, group } = findCommand(argv);
  if (!command && rest.length === 0) {
    // Only global flags (`--home D --help`): show the overview.
    out(overview());
    return argv.includes("--help") || argv.includes("-h") ? 0 : 2;
  }
  if (!command) {
    if (group && (rest.length === 1 || rest.includes("--help") || rest.includes("-h"))) {
      const sub = COMMANDS.filter((c) => c.path[0] === group);
      out(`Usage: sigil-vault ${group} <${sub.map((c) => c.path[1]).join("|")}> [options]\n`);
      for (const c of sub) out(`  ${c.path.join(" ").padEnd(18)} ${c.summary}`);
      return rest.length === 1 ? 2 : 0;
    }
    err(
      `error: unknown command "${rest.slice(0, group ? 2 : 1).join(" ")}" (run sigil-vault --help)`,
    );
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: fillBareDefaults(rest, command.bareDefaults ?? {}),
      options: { ...GLOBAL, ...command.options },
      strict: true,
      allowPositionals: command.path[0] === "run",
    });
  } catch (e) {
    err(
      `error: ${(e as Error).message.split("\n")[0]} (see sigil-vault ${command.path.join(" ")} --help)`,
    );
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values["help"] === true) {
    out(command.help);
    return 0;
  }
  const home = resolveHome(typeof values["home"] === "string" ? values["home"] : undefined, env);
  const stopSignal = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const progress = createProgressLine(process.stderr);
  const ctx: CliContext = {
    home,
    json: values["json"] === true,
    env,
    out,
    err,
    progress,
    stopSignal,
  };
  try {
    return await command.run(ctx, values, parsed.positionals);
  } catch (e) {
    if (e instanceof SigilError) {
      err(`error: ${e.reason} (${e.code})`);
      return e.exitCode;
    }
    err(`error: ${(e as Error)?.message?.split("\n")[0] ?? "unexpected failure"}`);
    return 1;
  }
}

/** `--flag` given without a value (last, or before another flag) gets its documented default. */
function fillBareDefaults(args: string[], defaults: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  args.forEach((arg, i) => {
    out.push(arg);
    const name = arg.startsWith("--") ? arg.slice(2) : "";
    const next = args[i + 1];
    const bare = next === undefined || next.startsWith("-");
    if (Object.hasOwn(defaults, name) && bare) out.push(defaults[name] as string);
  });
  return out;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Long-running commands (start, dev signer, audit tail --follow) end on a signal; exit then so
    // no stray handle keeps the process alive.
    process.exit(code);
  },
  () => process.exit(1),
);
