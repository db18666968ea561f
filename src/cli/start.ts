/** `sigil-vault start` — runs the proxy in the foreground until SIGINT/SIGTERM (spec §2, §3). */
import { formatHostPort } from "../config/listen.js";
import { parseResolveFlag } from "../config/resolve.js";
import { createLogger, type LogLevel } from "../log.js";
import { startProxy } from "../proxy/app.js";
import { SigilError } from "../errors.js";
import type { Command } from "./command.js";
import { list, str } from "./command.js";
import { DEFAULT_DASHBOARD_LISTEN } from "../dashboard/feeds.js";

const LEVELS = ["debug", "info", "warn", "error"];

export const startCommand: Command = {
  path: ["start"],
  summary: "run the proxy in the foreground",
  help: `Usage: sigil-vault start [--listen HOST:PORT] [--resolve HOST:PORT=ADDR:PORT]...
         [--allow-remote] [--replay-store memory|redis://HOST:PORT[/DB]]
         [--dashboard [HOST:PORT]] [--log-level debug|info|warn|error] [--log-format json|human]

Listens on 127.0.0.1:10255 unless told otherwise; a non-loopback address needs --allow-remote.
--resolve connects to ADDR:PORT for HOST:PORT while TLS still verifies HOST (private DNS, tests).
--replay-store overrides proxy.replay_store: a fleet shares one redis:// or rediss:// URL; the
Redis password is read from SIGIL_VAULT_REDIS_PASSWORD, never from the URL.
--dashboard serves a read-only web dashboard and Prometheus /metrics on 127.0.0.1:10254 (or
HOST:PORT); a non-loopback address needs --allow-remote, as for --listen.
Config changes are picked up within 1 s. SIGINT/SIGTERM drain in-flight requests (at most 10 s;
open tunnels close once nothing has been in flight for 100 ms; a request sent meanwhile gets
503 ERR_SHUTTING_DOWN), then exit 0.
Logs go to stderr: JSON lines, or one readable line per event when stderr is a terminal
(--log-format overrides), with one "request" line per request carrying the requestId of its
audit record.

Examples:
  sigil-vault start --listen 127.0.0.1:10255
  sigil-vault start --dashboard        # then open http://127.0.0.1:10254/`,
  options: {
    listen: { type: "string" },
    resolve: { type: "string", multiple: true },
    "allow-remote": { type: "boolean" },
    "replay-store": { type: "string" },
    dashboard: { type: "string" },
    "log-level": { type: "string" },
    "log-format": { type: "string" },
  },
  bareDefaults: { dashboard: DEFAULT_DASHBOARD_LISTEN },
  async run(ctx, values) {
    const level = str(values, "log-level") ?? "info";
    if (!LEVELS.includes(level))
      throw new SigilError("ERR_USAGE", "--log-level must be debug, info, warn or error");
    const resolve = Object.fromEntries(list(values, "resolve").map(parseResolveFlag));
    const format = str(values, "log-format") ?? (process.stderr.isTTY ? "human" : "json");
    if (format !== "json" && format !== "human")
      throw new SigilError("ERR_USAGE", "--log-format must be json or human");
    const logger = createLogger(process.stderr, { minLevel: level as LogLevel, format });
    const listen = str(values, "listen");
    const replayStore = str(values, "replay-store");
    const dashboard = str(values, "dashboard");
    const proxy = await startProxy({
      home: ctx.home,
      ...(listen !== undefined ? { listen } : {}),
      ...(replayStore !== undefined ? { replayStore } : {}),
      ...(dashboard !== undefined ? { dashboard } : {}),
      resolve,
      allowRemote: values["allow-remote"] === true,
      logger,
      env: ctx.env,
    });
    if (values["allow-remote"] === true) {
      logger.log("warn", "listening on a non-loopback address: agent tokens cross the network");
    }
    const addr = `${proxy.address.address}:${proxy.address.port}`;
    const dash = proxy.dashboard && `http://${formatHostPort(proxy.dashboard)}/`;
    ctx.out(
      ctx.json
        ? JSON.stringify({
            listening: addr,
            caCert: ctx.home.caCert,
            ...(dash ? { dashboard: dash } : {}),
          })
        : `sigil-vault listening on ${addr}${dash ? `\ndashboard on ${dash}` : ""}`,
    );
    const signal = await ctx.stopSignal;
    logger.log("info", "stopping", { signal });
    await proxy.stop(`signal ${signal}`);
    return 0;
  },
};
