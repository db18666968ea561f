/**
 * The running proxy's control endpoint, read-only, for `doctor`: `GET /v1/route-secrets` answers
 * whether each route's backend can serve its secret now (route-checks.ts). Who can reach it:
 * it is a unix socket inside the 0700 home, itself 0600, so other local users cannot connect, an
 * agent can only reach TCP hosts through the proxy, and a browser (DNS rebinding included) cannot
 * speak to a unix socket at all. On top, every request must carry a random bearer token the proxy
 * writes 0600 into the home at start and removes at stop.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, unlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { HomePaths } from "../config/home.js";
import { writeFileAtomic } from "../config/atomic-write.js";
import type { Logger } from "../log.js";
import type { RuntimeState } from "../proxy/runtime.js";
import { checkRouteSecrets, type RouteCheck } from "./route-checks.js";

export const ROUTE_SECRETS_PATH = "/v1/route-secrets";

export interface ControlServer {
  close(): Promise<void>;
}

/** Serves the control socket; `state` reads the proxy's current config and backends. */
export async function startControlServer(
  home: HomePaths,
  state: () => RuntimeState,
  logger: Logger,
): Promise<ControlServer> {
  const token = randomBytes(32).toString("base64url");
  const expected = Buffer.from(`Bearer ${token}`);
  let running: Promise<RouteCheck[]> | undefined; // one check at a time; callers share it
  const server = createServer({ headersTimeout: 5_000, requestTimeout: 30_000 }, (req, res) => {
    const refused = refusal(req, expected);
    if (refused) return send(res, refused[0], { error: refused[1] });
    running ??= checkRouteSecrets(state()).finally(() => (running = undefined));
    logger.log("info", "route secrets checked for doctor");
    running.then(
      (routes) => send(res, 200, { pid: process.pid, routes }),
      () => send(res, 500, { error: "check failed" }),
    );
  });
  removeIfPresent(home.controlSocket); // left by a proxy killed with -9; we hold the home's lock
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(home.controlSocket, () => resolve());
  });
  chmodSync(home.controlSocket, 0o600);
  writeFileAtomic(home.controlToken, `${token}\n`);
  return {
    close: async () => {
      removeIfPresent(home.controlToken);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeIfPresent(home.controlSocket);
    },
  };
}

/** As startControlServer, but a socket that cannot be served (a path too long) is only a warning. */
export function startControlOrWarn(
  home: HomePaths,
  state: () => RuntimeState,
  logger: Logger,
): Promise<ControlServer | undefined> {
  return startControlServer(home, state, logger).catch((err: NodeJS.ErrnoException) => {
    logger.log("warn", "control socket unavailable; doctor will check backends on its own", {
      socket: home.controlSocket,
      error: err.code ?? "error",
    });
    return undefined;
  });
}

function refusal(req: IncomingMessage, expected: Buffer): [number, string] | undefined {
  if (req.method !== "GET") return [405, "read-only"];
  const auth = Buffer.from(req.headers.authorization ?? "");
  if (auth.length !== expected.length || !timingSafeEqual(auth, expected))
    return [401, "missing or wrong control token"];
  if (req.url !== ROUTE_SECRETS_PATH) return [404, "not found"];
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
