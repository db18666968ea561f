/**
 * A minimal agent for the demo and doctor --probe: CONNECT through Vault with the agent token, TLS
 * to the host with only the Vault CA trusted, then one HTTP/1.1 request. It is what any
 * HTTPS_PROXY-aware client does.
 */
import { request } from "node:http";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface AgentResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface AgentRequest {
  /** Default 127.0.0.1. */
  proxyHost?: string;
  proxyPort: number;
  token: string;
  host: string;
  vaultCa: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
}

export function sendThroughVault(r: AgentRequest): Promise<AgentResponse> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(r.proxyPort, r.proxyHost ?? "127.0.0.1");
    socket.setTimeout(10_000, () => socket.destroy(new Error("timed out")));
    socket.once("error", reject);
    const auth = Buffer.from(`agent:${r.token}`).toString("base64");
    socket.write(
      `CONNECT ${r.host}:443 HTTP/1.1\r\nHost: ${r.host}:443\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`,
    );
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const text = head.subarray(0, end).toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      if (status !== 200) {
        const code = /x-sigil-error: (\S+)/i.exec(text)?.[1];
        socket.destroy();
        resolve({ status, headers: code ? { "x-sigil-error": code } : {}, body: "" });
        return;
      }
      const tls = tlsConnect({ socket, servername: r.host, ca: r.vaultCa });
      tls.once("error", reject);
      const req = request({
        createConnection: () => tls,
        method: r.method,
        path: r.path,
        headers: { host: r.host, ...r.headers },
      });
      req.once("error", reject);
      req.once("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          tls.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      req.end();
    };
    socket.on("data", onData);
  });
}
