/**
 * The HTTP server behind a tunnel to a host none of the agent's routes cover (spec §3): TLS is
 * terminated so the agent's client can read a refusal, and every request, upgrade or nested
 * CONNECT inside is answered `403 ERR_NO_ROUTE` and audited. It has no path to the pipeline,
 * a backend or an upstream — nothing sent into such a tunnel is ever forwarded anywhere, even if
 * a route for the host appears while the tunnel is open (a new tunnel picks that up).
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions } from "node:http";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { SigilError } from "../errors.js";
import type { RequestScope } from "./request-scope.js";
import { recordDeny } from "./refuse.js";
import { sendError, writeRawError } from "./respond.js";
import type { Runtime } from "./runtime.js";

export function createNoRouteServer(
  rt: Runtime,
  limits: ServerOptions,
  scopes: WeakMap<object, RequestScope>,
  onClientError: (err: NodeJS.ErrnoException, socket: Duplex) => void,
): Server {
  const server = createServer(limits);
  server.maxHeadersCount = 0;
  // Never listens (tunnels are handed to it); "listening" starts Node's head-timeout check.
  server.emit("listening");
  const refuse = (req: IncomingMessage) => {
    const scope = scopes.get(req.socket);
    const err = new SigilError("ERR_NO_ROUTE", "no route of this agent covers this host");
    const info = {
      requestId: randomUUID(),
      method: req.method ?? "",
      path: (req.url ?? "").slice(0, 300),
      ...(scope ? { agent: scope.agent, host: `${scope.host}:${scope.port}` } : {}),
    };
    return { err, info, done: recordDeny(rt, err, info) };
  };
  server.on("request", (req, res) => {
    const { err, info, done } = refuse(req);
    void done.then(() => sendError(res, err, info.requestId));
  });
  const refuseRaw = (req: IncomingMessage, socket: Duplex) => {
    const { err, info, done } = refuse(req);
    void done.then(() => writeRawError(socket, err, info.requestId));
  };
  server.on("upgrade", refuseRaw);
  server.on("connect", refuseRaw);
  server.on("clientError", onClientError);
  return server;
}
