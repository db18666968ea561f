/**
 * Plain node:http requests to the dashboard listener, with full control of Host and method
 * (fetch() may not set Host), returning status, headers and body text.
 */
import { request, type IncomingHttpHeaders } from "node:http";

export interface DashboardResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function dashboardGet(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<DashboardResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: opts.method ?? "GET",
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
        timeout: 5000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("dashboard request timed out")));
    req.on("error", reject);
    req.end();
  });
}
