/**
 * An http.Agent whose sockets are CONNECT tunnels through Vault with TLS inside, so ordinary
 * `http.request` calls get keep-alive pooling across requests, exactly like an HTTPS_PROXY client.
 */
import { Agent, type AgentOptions } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";

export interface TunnelOptions {
  proxyPort: number;
  token: string;
  ca: string;
  maxSockets: number;
}

/** Opens one tunnel: CONNECT, wait for 200, then TLS with the Vault CA as the only root. */
export function openTunnel(o: {
  proxyPort: number;
  token: string;
  ca: string;
  host: string;
  port: number;
}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw: Socket = netConnect(o.proxyPort, "127.0.0.1");
    raw.setNoDelay(true);
    raw.once("error", reject);
    const auth = Buffer.from(`bench:${o.token}`).toString("base64");
    raw.write(
      `CONNECT ${o.host}:${o.port} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`,
    );
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      raw.off("data", onData);
      if (!head.subarray(0, 12).toString().startsWith("HTTP/1.1 200")) {
        raw.destroy();
        return reject(
          new Error(`CONNECT refused: ${head.subarray(0, end).toString().split("\r\n")[0]}`),
        );
      }
      const tls = tlsConnect({ socket: raw, servername: o.host, ca: o.ca });
      tls.once("secureConnect", () => resolve(tls));
      tls.once("error", reject);
    };
    raw.on("data", onData);
  });
}

export function createTunnelAgent(o: TunnelOptions): Agent {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: o.maxSockets,
    scheduling: "fifo",
  } as AgentOptions);
  (agent as unknown as { createConnection: unknown }).createConnection = (
    opts: { host: string; port: number },
    cb: (err: Error | null, socket?: Duplex) => void,
  ) => {
    openTunnel({ ...o, host: opts.host, port: opts.port || 443 }).then(
      (tls) => cb(null, tls),
      (err: Error) => cb(err),
    );
    return undefined;
  };
  return agent;
}
