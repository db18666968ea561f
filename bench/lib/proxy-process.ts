/** Runs `sigil-vault start` as its own process, as in production, and stops it with SIGTERM. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface ProxyProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<number>;
}

export function startProxyProcess(
  home: string,
  env: NodeJS.ProcessEnv,
  extraArgs: string[] = [],
): Promise<ProxyProcess> {
  return new Promise((resolve, reject) => {
    // BENCH_PROXY_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the proxy under load.
    const nodeArgs = (process.env["BENCH_PROXY_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        BIN,
        "--home",
        home,
        "start",
        "--listen",
        "127.0.0.1:0",
        "--json",
        "--log-level",
        "warn",
        ...extraArgs,
      ],
      {
        env,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      const info = JSON.parse(out.slice(0, nl)) as { listening: string };
      resolve({
        port: Number(info.listening.split(":").pop()),
        child,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once("exit", (code) => done(code ?? 1));
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => reject(new Error(`proxy exited early (${code})`)));
  });
}
