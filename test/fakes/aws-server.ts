/**
 * Plumbing shared by the fake AWS endpoints: HTTPS on 127.0.0.1:0 with the test PKI (AWS endpoints
 * are HTTPS-only), every request recorded with its raw target, headers and body (what SigV4
 * verification needs), a switch that makes the endpoint hang, and a close that never waits.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { TestPki } from "../helpers/pki.js";
import type { ReceivedRequest } from "./sigv4-verify.js";
import { listenOnLoopback } from "../helpers/loopback-server.js";

/** A running fake endpoint. */
export interface AwsFakeServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>`: the `endpoint` option to configure. */
  readonly origin: string;
  /** Every request received, in order (hung ones included). */
  readonly requests: ReceivedRequest[];
  /** TLS connections accepted so far. */
  readonly connections: number;
  /** When true, requests are recorded and never answered. */
  hang: boolean;
  close(): Promise<void>;
}

export type AwsHandler = (req: ReceivedRequest, res: ServerResponse) => void;

/** `hosts` are the names on the certificate (default 127.0.0.1 and localhost). */
export async function startAwsServer(
  pki: TestPki,
  handler: AwsHandler,
  hosts: string[] = ["127.0.0.1", "localhost"],
): Promise<AwsFakeServer> {
  const leaf = pki.issue(hosts);
  const requests: ReceivedRequest[] = [];
  const state = { hang: false, connections: 0 };
  const server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    void readAll(req).then((body) => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "/",
        rawHeaders: req.rawHeaders,
        body,
      };
      requests.push(received);
      if (!state.hang) handler(received, res);
    });
  });
  server.on("secureConnection", () => state.connections++);
  const listener = await listenOnLoopback(server);
  const port = listener.port;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    requests,
    get connections() {
      return state.connections;
    },
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    close: listener.close,
  };
}

/** The first value of a header, by lower-case name. */
export function header(req: ReceivedRequest, name: string): string | undefined {
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1];
  }
  return undefined;
}

/** Writes a response with AWS's request-id header. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": randomUUID(),
    ...extra,
  });
  res.end(body);
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
