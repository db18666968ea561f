/**
 * Starting and stopping a peer process: wait until it accepts TCP on its port (or fail with the tail
 * of its stderr), stop it with SIGTERM and, after a grace period, SIGKILL — by its own pid only.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface PeerProcess {
  child: ChildProcess;
  pid: number;
  /** Last output lines, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1 (for peers that cannot listen on port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function spawnPeer(cmd: string, args: string[], opts: SpawnOptions = {}): PeerProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let out = "";
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (err) => keep(Buffer.from(`spawn failed: ${err.message}\n`)));
  return {
    child,
    pid: child.pid ?? -1,
    tail: () => out.trim().split("\n").slice(-5).join(" | "),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** The first line a Node peer prints on stdout (`{"port":…,"caPem":…}`), once it is listening. */
export async function readyLine(peer: PeerProcess): Promise<{ port: number; caPem: string }> {
  let line = "";
  const info = await new Promise<{ port: number; caPem: string }>((resolve, reject) => {
    peer.child.stdout!.on("data", (c: Buffer) => {
      line += c.toString();
      const nl = line.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(line.slice(0, nl)) as { port: number; caPem: string });
    });
    void once(peer.child, "exit").then(() => reject(new Error(`exited: ${peer.tail()}`)));
  });
  await waitForPort(peer, info.port);
  return info;
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects if the peer exits or time runs out. */
export async function waitForPort(
  peer: PeerProcess,
  port: number,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (peer.child.exitCode !== null) {
      throw new Error(`exited with ${peer.child.exitCode}: ${peer.tail()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  await peer.stop();
  throw new Error(`not listening after ${timeoutMs} ms: ${peer.tail()}`);
}
