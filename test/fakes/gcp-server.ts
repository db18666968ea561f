/**
 * Plumbing shared by the fake Google services: listen on 127.0.0.1:0 (HTTPS with the test PKI,
 * or plain HTTP like the real metadata server), close without waiting for kept-alive or hung
 * sockets, and write JSON the way Google's front ends do.
 */
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { RequestListener, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TestPki } from "../helpers/pki.js";

/** A listening fake. */
export interface FakeListener {
  readonly port: number;
  /** `https://127.0.0.1:<port>` (or `http://` without a PKI). */
  readonly origin: string;
  /** Stops listening and destroys every socket, hung ones included. */
  close(): Promise<void>;
}

export async function listenFake(handler: RequestListener, pki?: TestPki): Promise<FakeListener> {
  const server: Server = pki
    ? (() => {
        const leaf = pki.issue(["127.0.0.1", "localhost"]);
        return createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, handler);
      })()
    : createHttpServer(handler);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `${pki ? "https" : "http"}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
