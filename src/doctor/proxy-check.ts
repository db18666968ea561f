/**
 * Is anything listening at the proxy address `run`/`env` would use? A plain TCP connect: whether
 * it is really Vault is what `--probe` proves. Without `--probe` a stopped proxy is only a warning.
 */
import { connect } from "node:net";
import { fail, ok, warn, type CheckResult } from "./check.js";

const CONNECT_MS = 2000;

/** Where the proxy is expected, from findProxy. */
export interface ProxyAddress {
  host: string;
  port: number;
  /** As printed: `127.0.0.1:10255` or `[::1]:10255`. */
  text: string;
}

export async function checkProxyReachable(
  proxy: ProxyAddress,
  required: boolean,
): Promise<CheckResult[]> {
  const error = await tryConnect(proxy);
  if (error === undefined) return [ok("proxy", `listening on ${proxy.text}`)];
  const message = `nothing answers on ${proxy.text} (${error})`;
  const fix = "sigil-vault start (or give the address with --proxy HOST:PORT)";
  return [required ? fail("proxy", message, fix) : warn("proxy", `${message}; not running?`, fix)];
}

function tryConnect(proxy: ProxyAddress): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(proxy.port, proxy.host);
    socket.setTimeout(CONNECT_MS, () => {
      socket.destroy();
      resolve(`no answer within ${CONNECT_MS} ms`);
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
  });
}
