/**
 * Drives the compiled `sigil-vault` binary and real curl as child processes for black-box tests.
 * Every byte a child prints is kept in a transcript so tests can scan it for leaked secrets, and
 * every child is killed by `close()` so `node --test` never hangs on a stray process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The CLI entry point next to this file once tsc has built dist/. */
export const CLI_MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

/** Real curl, or null when the machine has none (tests then skip with a message). */
export const CURL: string | null =
  ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].find((p) => existsSync(p)) ?? null;

/** How a finished child ended and everything it printed. */
export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One child's output, labelled (e.g. "agents create", "curl", "start"), for leak scans. */
export interface OutputRecord {
  readonly label: string;
  stdout: string;
  stderr: string;
}

/** A long-running command (start, dev signer) that has printed its first JSON line. */
export interface LongRunning {
  /** The first stdout line, parsed. */
  readonly info: Record<string, unknown>;
  readonly output: OutputRecord;
  /** Sends `signal` (default SIGTERM) and waits for exit; SIGKILLs and throws after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessResult>;
}

export interface SpawnOptions {
  /** Extra environment for this child, on top of the session's minimal one. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Another `--home` for this one run (e.g. a copy of the session's home). */
  readonly home?: string;
}

/** CLI and curl runs against one `--home`, with a shared transcript. */
export interface CliSession {
  readonly home: string;
  /** Every child's output so far, in start order. */
  readonly outputs: readonly OutputRecord[];
  /** Runs `sigil-vault ...args --home HOME` to completion (home last, so `--help` alone works). */
  run(args: readonly string[], options?: SpawnOptions): Promise<ProcessResult>;
  /** Starts `sigil-vault ...args --home HOME` and waits for its first stdout line (JSON). */
  start(args: readonly string[], options?: SpawnOptions): Promise<LongRunning>;
  /** Runs curl (with `-q`, so no ~/.curlrc) to completion. */
  curl(args: readonly string[], options?: SpawnOptions): Promise<ProcessResult>;
  /** SIGKILLs every child still running and waits for them. */
  close(): Promise<void>;
}

const RUN_TIMEOUT_MS = 20_000;

/**
 * `workDir` becomes the children's HOME so nothing touches the real ~/.sigil-vault; the
 * environment is otherwise minimal (no inherited proxy or Sigil variables).
 */
export function createCliSession(home: string, workDir: string): CliSession {
  const outputs: OutputRecord[] = [];
  const live = new Set<ChildProcess>();
  const baseEnv = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: workDir, LANG: "C" };

  const launch = (file: string, args: readonly string[], label: string, opts: SpawnOptions) => {
    const child = spawn(file, args, {
      env: { ...baseEnv, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const record: OutputRecord = { label, stdout: "", stderr: "" };
    outputs.push(record);
    live.add(child);
    child.stdout?.setEncoding("utf8").on("data", (s: string) => (record.stdout += s));
    child.stderr?.setEncoding("utf8").on("data", (s: string) => (record.stderr += s));
    const done = new Promise<ProcessResult>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => {
        live.delete(child);
        resolve({ code, signal, stdout: record.stdout, stderr: record.stderr });
      });
    });
    return { child, record, done };
  };

  const cliArgs = (args: readonly string[], opts: SpawnOptions) => [
    CLI_MAIN,
    ...args,
    "--home",
    opts.home ?? home,
  ];
  const toCompletion = async (
    file: string,
    args: readonly string[],
    label: string,
    opts: SpawnOptions,
  ) => {
    const { child, done } = launch(file, args, label, opts);
    return withTimeout(done, opts.timeoutMs ?? RUN_TIMEOUT_MS, () => child.kill("SIGKILL"), label);
  };

  return {
    home,
    outputs,
    run: (args, opts = {}) =>
      toCompletion(process.execPath, cliArgs(args, opts), labelOf(args), opts),
    curl: (args, opts = {}) => {
      if (!CURL) throw new Error("curl is not installed");
      return toCompletion(CURL, ["-q", ...args], "curl", opts);
    },
    async start(args, opts = {}) {
      const label = labelOf(args);
      const { child, record, done } = launch(process.execPath, cliArgs(args, opts), label, opts);
      const firstLine = new Promise<string>((resolve, reject) => {
        const check = () => {
          const nl = record.stdout.indexOf("\n");
          if (nl >= 0) resolve(record.stdout.slice(0, nl));
        };
        child.stdout?.on("data", check);
        void done.then(
          (r) =>
            reject(
              new Error(
                `${label} exited (${r.code ?? r.signal}) before printing: ${r.stderr.trim()}`,
              ),
            ),
          reject,
        );
      });
      const line = await withTimeout(
        firstLine,
        opts.timeoutMs ?? RUN_TIMEOUT_MS,
        () => child.kill("SIGKILL"),
        label,
      );
      return {
        info: JSON.parse(line) as Record<string, unknown>,
        output: record,
        async stop(signal = "SIGTERM", timeoutMs = 10_000) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return withTimeout(done, timeoutMs, () => child.kill("SIGKILL"), `${label} stop`);
        },
      };
    },
    async close() {
      const waits = [...live].map((child) => {
        const exited = new Promise((resolve) => child.once("close", resolve));
        child.kill("SIGKILL");
        return exited;
      });
      await Promise.all(waits);
    },
  };
}

/** "agents create" for `["agents", "create", "--name", …]`: the command words, never flag values. */
function labelOf(args: readonly string[]): string {
  const words: string[] = [];
  for (const a of args) {
    if (a.startsWith("-")) break;
    words.push(a);
  }
  return words.join(" ") || "(no command)";
}

function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  onTimeout: () => void,
  label: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${label} did not finish within ${ms} ms`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** One HTTP response head as curl -i printed it. */
export interface ResponseHead {
  readonly status: number;
  /** Lower-case names; the last value wins. */
  readonly headers: ReadonlyMap<string, string>;
}

/**
 * Splits curl `-i` output into response heads (the proxy's CONNECT answer first, then the inner
 * response) and the final body.
 */
export function parseCurlOutput(text: string): { heads: ResponseHead[]; body: string } {
  const heads: ResponseHead[] = [];
  let rest = text;
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const end = rest.indexOf("\r\n\r\n");
    const block = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? "" : rest.slice(end + 4);
    const [statusLine = "", ...lines] = block.split("\r\n");
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    heads.push({ status: Number(statusLine.split(" ")[1]), headers });
  }
  return { heads, body: rest };
}
