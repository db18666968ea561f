/**
 * An http.Agent whose sockets are CONNECT tunnels through a proxy with TLS inside, so ordinary
 * `http.request` calls get keep-alive pooling across requests, exactly like an HTTPS_PROXY client.
 */
import { Agent, type AgentOptions } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";

export interface TunnelOptions {
  proxyPort: number;
  /** Agent token for Proxy-Authorization; peers that need none omit it. */
  token?: string;
  /** The CA the client trusts inside the tunnel (the proxy's CA, or the upstream's for a plain tunnel). */
  ca: string;
  maxSockets: number;
}

/** Opens a TLS connection to `host` (SNI and verification) over whatever `dial` returns. */
export type Connector = (host: string, port: number) => Promise<TLSSocket>;

/** Opens one tunnel: CONNECT, wait for 200, then TLS with `ca` as the only root. */
export function openTunnel(o: {
  proxyPort: number;
  token?: string;
  ca: string;
  host: string;
  port: number;
  /** CONNECT target when it differs from host:port (a plain tunnel told an address, not a name). */
  authority?: string;
}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw: Socket = netConnect(o.proxyPort, "127.0.0.1");
    raw.setNoDelay(true);
    raw.once("error", reject);
    const target = o.authority ?? `${o.host}:${o.port}`;
    const auth =
      o.token === undefined
        ? ""
        : `Proxy-Authorization: Basic ${Buffer.from(`bench:${o.token}`).toString("base64")}\r\n`;
    raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      raw.off("data", onData);
      if (!/^HTTP\/1\.[01] 200/.test(head.subarray(0, 12).toString())) {
        raw.destroy();
        return reject(
          new Error(`CONNECT refused: ${head.subarray(0, end).toString().split("\r\n")[0]}`),
        );
      }
      if (end + 4 < head.length) raw.unshift(head.subarray(end + 4));
      const tls = tlsConnect({ socket: raw, servername: o.host, ca: o.ca });
      tls.once("secureConnect", () => resolve(tls));
      tls.on("error", reject); // stays: a reset idle socket must not crash the bench
    };
    raw.on("data", onData);
  });
}

/** An agent whose new sockets come from `connect` (a tunnel, or a direct TLS dial). */
export function createConnectAgent(
  connect: Connector,
  maxSockets: number,
  keepAlive = true,
): Agent {
  const agent = new Agent({ keepAlive, maxSockets, scheduling: "fifo" } as AgentOptions);
  (agent as unknown as { createConnection: unknown }).createConnection = (
    opts: { host: string; port: number },
    cb: (err: Error | null, socket?: Duplex) => void,
  ) => {
    connect(opts.host, opts.port || 443).then(
      (tls) => cb(null, tls),
      (err: Error) => cb(err),
    );
    return undefined;
  };
  return agent;
}

export function createTunnelAgent(o: TunnelOptions): Agent {
  return createConnectAgent(
    (host, port) =>
      openTunnel({
        proxyPort: o.proxyPort,
        ca: o.ca,
        host,
        port,
        ...(o.token !== undefined ? { token: o.token } : {}),
      }),
    o.maxSockets,
  );
}
