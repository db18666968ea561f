/**
 * `doctor`'s side of the control socket (server.ts): reads the token from the home and asks the
 * running proxy to check every route's secret. Any failure is a SigilError the caller reports.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import type { HomePaths } from "../config/home.js";
import { SigilError } from "../errors.js";
import type { RouteCheck } from "./route-checks.js";
import { ROUTE_SECRETS_PATH } from "./server.js";

export interface ProxyRouteChecks {
  pid: number;
  routes: RouteCheck[];
}

export function askProxyRouteSecrets(
  home: HomePaths,
  timeoutMs: number,
): Promise<ProxyRouteChecks> {
  let token: string;
  try {
    token = readFileSync(home.controlToken, "utf8").trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new SigilError("ERR_IO", `cannot read ${home.controlToken} (${code})`);
  }
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(new SigilError("ERR_IO", `control socket ${home.controlSocket}: ${why}`));
    const req = request(
      {
        socketPath: home.controlSocket,
        path: ROUTE_SECRETS_PATH,
        headers: { authorization: `Bearer ${token}`, host: "localhost" },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", () => fail("answer cut off"));
        res.on("end", () => {
          if (res.statusCode !== 200) return fail(`answered HTTP ${res.statusCode}`);
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ProxyRouteChecks);
          } catch {
            fail("answered something other than JSON");
          }
        });
      },
    );
    req.on("timeout", () => {
      req.destroy();
      fail(`no answer within ${timeoutMs} ms`);
    });
    req.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? "error"));
    req.end();
  });
}
