/**
 * A private `redis-server` per suite, on 127.0.0.1 and a free port, in a temp dir, so the Redis
 * replay store and the fleet are tested against the real server: stopped, restarted on the same
 * port, paused (a hung server) and reconfigured (read-only, full) on demand.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { skipUnless } from "./skip.js";

export const REDIS_SERVER_BIN = "/usr/bin/redis-server";

/** `false` when redis-server is installed, else the reason to hand `describe(…, { skip })`. */
export function redisSkipReason(): string | false {
  return skipUnless(
    existsSync(REDIS_SERVER_BIN),
    `redis-server not installed: ${REDIS_SERVER_BIN} is absent (apt-get install redis-server)`,
  );
}

export interface RedisServerOptions {
  /** Sets `requirepass`: clients must authenticate. */
  password?: string;
  /** AOF with fsync on every write, so keys survive `restart()`; default off (nothing persists). */
  persist?: boolean;
  /** Serve TLS only (rediss://) with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (or rediss://), without credentials. */
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, same dir (after `stop`, or stops it first). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its sockets open but answers nothing. */
  pause(): void;
  resume(): void;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

const READY = /Ready to accept connections/;

/** Servers still up when the test process exits (a crashed suite) are killed, never orphaned. */
const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((c) => c.kill("SIGKILL")));

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "sigil-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    child = await spawnServer(dir, port, opts).catch((err: unknown) => {
      if (attempt >= 2) throw err; // the port was taken in between: try another
      return undefined;
    });
  }
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGCONT");
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  return {
    port,
    url: `${opts.tls ? "rediss" : "redis"}://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      child = await spawnServer(dir, port, opts);
    },
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP relay to 127.0.0.1:`port` whose open connections can be silenced (a black-holed path); new ones pass. */
export async function startTcpRelay(port: number) {
  const open: { silenced: boolean; sockets: Socket[] }[] = [];
  const server = createServer((inbound) => {
    const outbound = connect(port, "127.0.0.1");
    const conn = { silenced: false, sockets: [inbound, outbound] };
    open.push(conn);
    const pipe = (from: Socket, to: Socket) => {
      from.on("data", (chunk: Buffer) => void (conn.silenced || to.write(chunk)));
      from.on("error", () => undefined);
      from.on("close", () => to.destroy());
    };
    pipe(inbound, outbound);
    pipe(outbound, inbound);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => open.length,
    silence: () => open.forEach((c) => (c.silenced = true)),
    async close() {
      for (const c of open) c.sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function serverArgs(dir: string, port: number, opts: RedisServerOptions): string[] {
  const args = ["--bind", "127.0.0.1", "--dir", dir, "--save", "", "--daemonize", "no"];
  args.push("--appendonly", opts.persist ? "yes" : "no", "--appendfsync", "always");
  if (opts.password !== undefined) args.push("--requirepass", opts.password);
  if (opts.tls) {
    args.push("--port", "0", "--tls-port", String(port), "--tls-auth-clients", "no");
    args.push("--tls-cert-file", opts.tls.certFile, "--tls-key-file", opts.tls.keyFile);
  } else {
    args.push("--port", String(port));
  }
  return args;
}

/** Spawns redis-server and resolves once it accepts connections; rejects if it exits first. */
function spawnServer(dir: string, port: number, opts: RedisServerOptions): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER_BIN, serverArgs(dir, port, opts), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error("redis-server did not start within 5 s")), 5000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${err.message}\n${output.slice(-2000)}`));
    };
    const onEarlyExit = (code: number | null) => fail(new Error(`redis-server exited: ${code}`));
    child.on("error", fail);
    child.once("exit", onEarlyExit);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!READY.test(output)) return;
      clearTimeout(timer);
      child.off("exit", onEarlyExit);
      child.stdout?.off("data", onData);
      child.stdout?.resume(); // keep draining so the server never blocks on a full pipe
      resolve(child);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}
