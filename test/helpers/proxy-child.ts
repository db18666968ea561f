/**
 * Starts the proxy of a harness home in a child process (proxy-process.ts) and talks to it: its
 * port, `stats` (memory, descriptors, handles after GC), a heap snapshot, and a bounded stop.
 * The harness's own in-process proxy is stopped first (one proxy per home).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Harness } from "./harness.js";
import { API_HOST } from "./harness.js";
import type { ProxyStats } from "./proxy-process.js";

const SCRIPT = fileURLToPath(new URL("./proxy-process.js", import.meta.url));

/** A proxy running in a child process. */
export interface ProxyChild {
  readonly port: number;
  readonly pid: number;
  /** Everything the child wrote to stderr (its JSON log lines) and stdout (its answers). */
  readonly stderr: string[];
  readonly stdout: string[];
  stats(): Promise<ProxyStats>;
  snapshot(path: string): Promise<void>;
  /** Stops the proxy (drain 2 s) and waits for the process to exit; kills it after 10 s. */
  stop(): Promise<void>;
}

export async function startProxyChild(
  h: Harness,
  env: Record<string, string> = {},
): Promise<ProxyChild> {
  await h.stopProxy();
  const resolve = JSON.stringify({ [`${API_HOST}:443`]: `127.0.0.1:${h.upstream.port}` });
  const child = spawn(process.execPath, ["--expose-gc", SCRIPT, h.home.root, resolve], {
    env: { DEMO_KEY: h.canary, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  const stdout: string[] = [];
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  const answers = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  answers.on("line", (l) => {
    stdout.push(l);
    waiting.shift()?.(l);
  });
  const exited = once(child, "exit");
  const next = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("proxy child did not answer")), 60_000);
      waiting.push((l) => {
        clearTimeout(timer);
        resolve(JSON.parse(l) as T);
      });
      void exited.then(() =>
        reject(new Error(`proxy child exited: ${stderr.slice(-3).join(" | ")}`)),
      );
    });
  const ask = <T>(command: object): Promise<T> => {
    const answer = next<T>();
    child.stdin.write(JSON.stringify(command) + "\n");
    return answer;
  };
  const { port, pid } = await next<{ port: number; pid: number }>();
  return {
    port,
    pid,
    stderr,
    stdout,
    stats: () => ask<ProxyStats>({ cmd: "stats" }),
    snapshot: async (path) => void (await ask({ cmd: "snapshot", path })),
    async stop() {
      if (child.exitCode !== null) return;
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await ask({ cmd: "stop" }).catch(() => undefined);
      await exited;
      clearTimeout(killer);
    },
  };
}
