/**
 * What `sigil-vault run` checks before starting the agent, so a misconfiguration is one clear line
 * instead of an SDK's "Connection error." later: the proxy answers `/healthz`, and it accepts the
 * agent token. The token check is a CONNECT to a reserved name, closed as soon as the status line
 * arrives: an accepted token opens no TLS and sends no request (so nothing is audited); a refused
 * one is Vault's usual audited 407. (The CA was already read and parsed by findAgentCa.)
 */
import { request } from "node:http";
import { SigilError } from "../errors.js";

const TIMEOUT_MS = 3000;
/** `.invalid` never resolves (RFC 6761), and nothing is ever sent into this tunnel. */
const PROBE_TARGET = "sigil-vault-preflight.invalid:443";

export async function preflight(proxy: string, token: string): Promise<void> {
  const [host, port] = splitHostPort(proxy);
  const health = await ask(host, port, "GET", "/healthz", {}).catch((code: string) => {
    throw new SigilError("ERR_IO", `the Vault proxy at ${proxy} does not answer (${code})`);
  });
  if (health !== 200) {
    throw new SigilError(
      "ERR_IO",
      `${proxy} answered /healthz with ${health}: is it a Vault proxy?`,
    );
  }
  const auth = `Basic ${Buffer.from(`agent:${token}`).toString("base64")}`;
  const status = await ask(host, port, "CONNECT", PROBE_TARGET, {
    host: PROBE_TARGET,
    "proxy-authorization": auth,
  }).catch((code: string) => {
    throw new SigilError("ERR_IO", `the Vault proxy at ${proxy} does not answer (${code})`);
  });
  if (status === 407) {
    throw new SigilError(
      "ERR_AGENT_UNAUTHENTICATED",
      `the Vault proxy at ${proxy} refused the agent token (407): unknown, revoked or rotated`,
    );
  }
  if (status !== 200) {
    throw new SigilError(
      "ERR_IO",
      `the Vault proxy at ${proxy} refused the token check (${status})`,
    );
  }
}

/** The status of one request; rejects with an error code string when nothing answers. */
function ask(
  host: string,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers, agent: false, timeout: TIMEOUT_MS });
    req.once("timeout", () => req.destroy(Object.assign(new Error(), { code: "timeout" })));
    req.once("error", (err: NodeJS.ErrnoException) => reject(err.code ?? "error"));
    req.once("connect", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.end();
  });
}

function splitHostPort(proxy: string): [string, number] {
  const i = proxy.lastIndexOf(":");
  return [proxy.slice(0, i).replace(/^\[|\]$/g, ""), Number(proxy.slice(i + 1))];
}
