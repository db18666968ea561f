/**
 * The proxy alone in a child process (spawned by proxy-child.ts with --expose-gc), so load, soak
 * and heap tests measure the proxy's own memory, descriptors and handles, and can take a heap
 * snapshot holding nothing of the test's agents or upstream. Commands arrive as JSON lines on
 * stdin; answers go to stdout; the proxy's log lines go to stderr.
 */
import { getHeapStatistics, writeHeapSnapshot } from "node:v8";
import { createInterface } from "node:readline";
import { resolveHome } from "../../src/config/home.js";
import { createLogger } from "../../src/log.js";
import { startProxy } from "../../src/proxy/app.js";
import { openFdCount } from "./fd-budget.js";

/** What `stats` reports, after two full garbage collections. */
export interface ProxyStats {
  rss: number;
  /** Peak resident set size of the process so far (bytes). */
  maxRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  fds: number;
  /** process.getActiveResourcesInfo() counted by kind (TCPSocketWrap, Timeout, …). */
  resources: Record<string, number>;
  inflight: number;
  /** Replay ids the memory store holds (each kept until its token's exp + 300 s, by design). */
  replayIds: number;
  heapLimit: number;
}

type Command = { cmd: "stats" } | { cmd: "snapshot"; path: string } | { cmd: "stop" };

const [homeRoot = "", resolveJson = "{}"] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

const proxy = await startProxy({
  home: resolveHome(homeRoot, {}),
  listen: "127.0.0.1:0",
  resolve: JSON.parse(resolveJson) as Record<string, string>,
  logger: createLogger(process.stderr, { minLevel: "debug" }),
  env: process.env,
});
reply({ port: proxy.address.port, pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === "stats") reply(stats());
  if (command.cmd === "snapshot") {
    collect();
    reply({ path: writeHeapSnapshot(command.path) });
  }
  if (command.cmd === "stop") {
    await proxy.stop("test", 2000);
    reply({ stopped: true });
    break;
  }
}

function stats(): ProxyStats {
  collect();
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  return {
    ...process.memoryUsage(),
    maxRss: process.resourceUsage().maxRSS * 1024,
    fds: openFdCount(),
    resources,
    inflight: proxy.runtime.inflight,
    replayIds: (proxy.runtime.replay as { size?: number }).size ?? 0,
    heapLimit: getHeapStatistics().heap_size_limit,
  };
}

function collect(): void {
  gc!();
  gc!();
}

function reply(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}
