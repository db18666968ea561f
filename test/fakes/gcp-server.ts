/**
 * Plumbing shared by the fake Google services: listen on 127.0.0.1:0 (HTTPS with the test PKI,
 * or plain HTTP like the real metadata server), close without waiting for kept-alive or hung
 * sockets, and write JSON the way Google's front ends do.
 */
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { RequestListener, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { TestPki } from "../helpers/pki.js";
import { listenOnLoopback } from "../helpers/loopback-server.js";

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
  const listener = await listenOnLoopback(server);
  const port = listener.port;
  return {
    port,
    origin: `${pki ? "https" : "http"}://127.0.0.1:${port}`,
    close: listener.close,
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
