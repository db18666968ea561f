/** Starts bench/upstream-main.js as a child process and asks it for its request counters. */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../upstream-main.js", import.meta.url));

export interface UpstreamProcess {
  port: number;
  caPem: string;
  pid: number;
  /** Requests seen with the expected Authorization header / without it, since start. */
  counts(): Promise<{ authorized: number; unauthorized: number }>;
  close(): Promise<void>;
}

export async function startUpstreamProcess(
  expectedAuth: string,
  hosts: readonly string[],
): Promise<UpstreamProcess> {
  const child: ChildProcess = fork(MAIN, [], {
    env: {
      ...process.env,
      BENCH_UPSTREAM_AUTH: expectedAuth,
      BENCH_UPSTREAM_HOSTS: hosts.join(","),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [ready] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(() => {
      throw new Error("bench upstream exited before it was ready");
    }),
  ])) as [{ port: number; caPem: string }];
  return {
    port: ready.port,
    caPem: ready.caPem,
    pid: child.pid!,
    async counts() {
      child.send({ type: "counts" });
      const [msg] = (await once(child, "message")) as [
        { counts: { authorized: number; unauthorized: number } },
      ];
      return msg.counts;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
