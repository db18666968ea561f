/**
 * Starts a server listening and turns a bind failure into `ERR_IO` naming the address and the
 * cause. `once(server, "listening")` alone rejects with Node's raw `listen EADDRINUSE` error, which
 * is why every listener (proxy, dashboard, dev signer) goes through here.
 */
import type { Server } from "node:net";
import { SigilError } from "./errors.js";

/** Listens on `host:port`; `what` names the listener in the error ("the dashboard"). */
export function bindServer(
  server: Server,
  host: string,
  port: number,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      reject(new SigilError("ERR_IO", `cannot listen on ${address} for ${what}: ${describe(err)}`));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function describe(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "EADDRINUSE":
      return "address already in use (EADDRINUSE)";
    case "EACCES":
      return "permission denied (EACCES)";
    case "EADDRNOTAVAIL":
      return "no such local address (EADDRNOTAVAIL)";
    default:
      return err.code ?? err.message;
  }
}
