/**
 * A loopback HTTPS server whose behaviour per request is scripted, for fault tests: pass the
 * request on to a real fake (optionally late), hang, reset the TCP connection, or write arbitrary
 * bytes (garbage, a truncated body, a head then nothing) — or, per connection, never speak TLS.
 * It counts TCP connections, so a test can tell the client really called it.
 */
import { request as httpsRequest, createServer as createHttpsServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import type { TestLeaf } from "./pki.js";

/** What to do with one request (after its head and body were read). */
export interface Fault {
  /** Wait this long first. */
  readonly delayMs?: number;
  /** Bytes written on the TLS connection before `then` (a response head, part of a body). */
  readonly raw?: string;
  /** Pause between `raw` and `then` (so a head is on the wire before a reset). */
  readonly gapMs?: number;
  /** Forward to `forwardTo`, leave hanging, RST the TCP connection, or close it cleanly (FIN). */
  readonly then: "pass" | "hang" | "reset" | "close";
}

/** Where "pass" sends requests: a real fake, verified with its CA, Host header unchanged. */
export interface ForwardTarget {
  readonly port: number;
  readonly caPem: string;
  /** TLS name to verify on the target; default "127.0.0.1". */
  readonly servername?: string;
}

export interface FaultServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Decides each request's fate; default: pass. */
  fault: (req: IncomingMessage) => Fault;
  /** When true, new TCP connections are accepted and then ignored (TLS never starts). */
  silent: boolean;
  /** TCP connections accepted so far. */
  readonly counts: { tcp: number };
  /** Destroys every open connection (kept-alive ones too), so the next request connects anew. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startFaultServer(
  leaf: TestLeaf,
  forwardTo?: ForwardTarget,
): Promise<FaultServer> {
  const counts = { tcp: 0 };
  const raw = new Map<number, Socket>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const https = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem });
  const self: FaultServer = {
    port: 0,
    origin: "",
    fault: () => ({ then: "pass" }),
    silent: false,
    counts,
    dropConnections: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        timers.forEach(clearTimeout);
        tcp.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
  const later = (ms: number | undefined, fn: () => void) => {
    if (!ms) return fn();
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  https.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const f = self.fault(req);
      const socket = raw.get(req.socket.remotePort ?? -1);
      const finish = () => {
        if (f.then === "reset") socket?.resetAndDestroy();
        else if (f.then === "close") req.socket.end();
        else if (f.then === "pass") forward(req, Buffer.concat(chunks), res, forwardTo);
      };
      later(f.delayMs, () => {
        if (f.raw !== undefined) req.socket.write(f.raw);
        later(f.gapMs, finish);
      });
    });
  });
  const tcp = createNetServer((socket) => {
    counts.tcp++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (self.silent) return;
    raw.set(socket.remotePort ?? -1, socket);
    socket.on("close", () => raw.delete(socket.remotePort ?? -1));
    https.emit("connection", socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(0, "127.0.0.1", resolve);
  });
  const port = (tcp.address() as AddressInfo).port;
  return Object.assign(self, { port, origin: `https://127.0.0.1:${port}` });
}

function forward(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  target: ForwardTarget | undefined,
): void {
  if (!target) return void res.writeHead(502).end();
  const out = httpsRequest(
    {
      host: "127.0.0.1",
      port: target.port,
      servername: target.servername ?? "",
      ca: target.caPem,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: false,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", () => res.destroy());
  out.end(body);
}
