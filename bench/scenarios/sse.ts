/**
 * Server-sent events over a warm keep-alive tunnel: time from sending the request to the first
 * event, the gap between events as the client sees them (the upstream spaces them GAP_MS apart),
 * and how many arrived bunched — less than a quarter of the gap after the previous one. A client
 * descheduled on a busy machine bunches an event now and then; a proxy that buffers bunches most
 * of a stream, so a stream counts as batched when a quarter of its events are bunched.
 */
import { request, type Agent } from "node:http";
import { createConnectAgent } from "../lib/tunnel-agent.js";
import { percentiles } from "../lib/load.js";
import { API_HOST, runPlanned, type Metrics, type ScenarioContext } from "./context.js";

const EVENTS = 20;
const GAP_MS = 25;

export async function sse(ctx: ScenarioContext): Promise<Metrics> {
  const agent = createConnectAgent(ctx.contender.connect, 1);
  const streams = ctx.quick ? 1 : 3;
  const ttfe: number[] = [];
  const gaps: number[] = [];
  let bunched = 0;
  let batchedStreams = 0;
  let errors = 0;
  try {
    await runPlanned(ctx, agent, { n: 2, concurrency: 1, path: (i) => `/v1/models?warm=${i}` });
    const authority = `${API_HOST}:${ctx.upstreamPort}`;
    const paths = Array.from(
      { length: streams },
      (_, k) => `/v1/sse?n=${EVENTS}&ms=${GAP_MS}&k=${k}`,
    );
    const headers = ctx.contender.headersFor(
      paths.map((p) => ({ method: "GET", url: `https://${authority}${p}` })),
    );
    for (const [k, path] of paths.entries()) {
      const arrivals = await stream(agent, ctx.upstreamPort, path, {
        ...headers[k],
        host: authority,
      });
      if (arrivals.length !== EVENTS + 1) {
        errors++;
        continue;
      }
      const [start, ...events] = arrivals as [number, ...number[]];
      ttfe.push(events[0]! - start);
      let inStream = 0;
      for (let i = 1; i < events.length; i++) {
        const gap = events[i]! - events[i - 1]!;
        gaps.push(gap);
        if (gap < GAP_MS / 4) inStream++;
      }
      bunched += inStream;
      if (inStream >= EVENTS / 4) batchedStreams++;
    }
  } finally {
    agent.destroy();
  }
  return {
    "sse.ttfe": percentiles(ttfe).p50,
    "sse.gap": percentiles(gaps).p50,
    "sse.bunched": bunched,
    "sse.batchedStreams": batchedStreams,
    "sse.errors": errors,
  };
}

/** Resolves with [request start, arrival of each event] in ms (performance.now). */
function stream(
  agent: Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<number[]> {
  return new Promise((resolve) => {
    const times = [performance.now()];
    let buf = "";
    const req = request({ agent, host: API_HOST, port, path, headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve([]);
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = performance.now();
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          times.push(now);
          buf = buf.slice(end + 2);
        }
      });
      res.on("end", () => resolve(times));
      res.on("error", () => resolve([]));
    });
    req.on("error", () => resolve([]));
    req.end();
  });
}
