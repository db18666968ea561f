/**
 * The shape every CLI command shares: its options (node:util parseArgs), help text with examples,
 * and a `run` that returns an exit code. Only the CLI prints or exits; library code throws
 * SigilError and main.ts turns it into one line on stderr.
 */
import type { ParseArgsConfig } from "node:util";
import type { HomePaths } from "../config/home.js";
import type { ProgressLine } from "./progress.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CliContext {
  home: HomePaths;
  json: boolean;
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  /** A progress line on stderr when it is a terminal; does nothing otherwise. */
  progress: ProgressLine;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
}

export interface Command {
  /** Words that select it, e.g. ["agents", "create"]. */
  path: readonly string[];
  summary: string;
  /** Full help: usage line, option list, examples. */
  help: string;
  options: Options;
  /**
   * String options that may also be given bare (`--dashboard` alone), meaning the value here;
   * node:util parseArgs has no optional values, so main.ts fills them in before parsing.
   */
  bareDefaults?: Readonly<Record<string, string>>;
  run(ctx: CliContext, values: Values, positionals: string[]): Promise<number>;
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}
