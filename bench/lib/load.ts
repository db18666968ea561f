/**
 * A closed-loop load generator: `concurrency` workers each send requests back to back until `n`
 * have been sent (or `maxMs` has passed). Latency is measured per request from write to the end
 * of the response body.
 */
import { request as httpRequest, type Agent } from "node:http";

export interface LoadResult {
  n: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

export async function runLoad(o: {
  agent: Agent;
  host: string;
  port?: number;
  n: number;
  concurrency: number;
  path: (i: number) => string;
  headers: (i: number) => Record<string, string>;
  method?: string;
  body?: Buffer;
  /** http.request by default (the agent's sockets are TLS tunnels); https.request for direct runs. */
  request?: typeof httpRequest;
  /** Extra request options, e.g. `servername` for direct TLS to 127.0.0.1. */
  extra?: Record<string, unknown>;
  /** Stop starting new requests after this many ms; `n` in the result counts completed ones. */
  maxMs?: number;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const stopAt = started + (o.maxMs ?? Infinity);
  const worker = async () => {
    while (next < o.n && performance.now() < stopAt) {
      const i = next++;
      const t0 = performance.now();
      const status = await once(o, i);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const n = latencies.length;
  return { n, seconds, rps: n / seconds, ...percentiles(latencies), statuses };
}

function once(o: Parameters<typeof runLoad>[0], i: number): Promise<string> {
  return new Promise((resolve) => {
    const req = (o.request ?? httpRequest)(
      {
        agent: o.agent,
        host: o.host,
        port: o.port ?? 443,
        method: o.method ?? "GET",
        path: o.path(i),
        ...o.extra,
        headers: {
          host: o.host,
          ...o.headers(i),
          ...(o.body ? { "content-length": String(o.body.length) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
        res.on("error", () => resolve("error"));
      },
    );
    req.on("error", () => resolve("error"));
    req.end(o.body);
  });
}

export function percentiles(values: number[]): { p50: number; p99: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
