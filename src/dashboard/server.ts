/**
 * The dashboard listener (node:http, in the proxy process): the page and its script and style,
 * `/api/state` (JSON the page polls), `/metrics` (Prometheus text) and `/healthz`. Read-only and
 * loopback by default; every response carries the headers in guard.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bindServer } from "../bind-server.js";
import type { ProxyMetrics } from "../observe/metrics.js";
import type { AuditWriter } from "../audit/writer.js";
import type { KeyRing } from "../attestation/keys.js";
import type { RuntimeConfig } from "../config/compile.js";
import { VERSION } from "../version.js";
import type { Activity } from "./activity.js";
import type { AuditIndex } from "./audit-index.js";
import { findRecordBySeq } from "../audit/find-record.js";
import { labelActivity } from "./labels.js";
import { recordSeqFromPath, renderRecordPage } from "./record-page.js";
import { describeConfig } from "./config-view.js";
import { refusal, SECURITY_HEADERS } from "./guard.js";
import { PAGE_HTML } from "./page-html.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_STYLE } from "./page-style.js";

/**
 * What the dashboard reads from the running proxy: the part of proxy/runtime's Runtime it shows,
 * declared here so the dashboard does not import the proxy that starts it.
 */
export interface DashboardSource {
  readonly state: { readonly config: RuntimeConfig; readonly keyRing: KeyRing };
  readonly audit: AuditWriter;
  readonly inflight: number;
  nowMs(): number;
}

export interface DashboardDeps {
  rt: DashboardSource;
  activity: Activity;
  /** Request id → audit seq, for the request table's links. */
  auditIndex: AuditIndex;
  /** Where `/audit/<seq>` reads records from. */
  auditDir: string;
  metrics: ProxyMetrics;
  /** The proxy listener's address, shown on the page. */
  proxyListen: () => string;
  startedAt: number;
}

export interface RunningDashboard {
  address: AddressInfo;
  close(): Promise<void>;
}

const HTML = "text/html; charset=utf-8";
const STATIC: Record<string, { type: string; body: string }> = {
  "/": { type: HTML, body: PAGE_HTML },
  "/app.js": { type: "text/javascript; charset=utf-8", body: PAGE_SCRIPT },
  "/app.css": { type: "text/css; charset=utf-8", body: PAGE_STYLE },
};

export async function startDashboard(
  host: string,
  port: number,
  deps: DashboardDeps,
): Promise<RunningDashboard> {
  const server: Server = createServer({
    maxHeaderSize: 16 * 1024,
    headersTimeout: 10_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 5_000,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res, (server.address() as AddressInfo).port, deps).catch(() => {
      if (!res.headersSent) send(res, req, 500, "text/plain; charset=utf-8", "internal error\n");
      else res.destroy();
    });
  });
  await bindServer(server, host, port, "the dashboard");
  return {
    address: server.address() as AddressInfo,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  deps: DashboardDeps,
): Promise<void> {
  const refused = refusal(req, port);
  if (refused) {
    if (refused.status === 405) res.setHeader("allow", "GET, HEAD");
    send(res, req, refused.status, "text/plain; charset=utf-8", `${refused.reason}\n`);
    return;
  }
  const path = (req.url ?? "/").split("?")[0] as string;
  const page = STATIC[path];
  if (page) return send(res, req, 200, page.type, page.body);
  const seq = recordSeqFromPath(path);
  if (seq !== undefined) {
    const record = await findRecordBySeq(deps.auditDir, seq);
    return send(res, req, record ? 200 : 404, HTML, renderRecordPage(seq, record));
  }
  switch (path) {
    case "/api/state":
      return send(res, req, 200, "application/json", JSON.stringify(state(deps)));
    case "/metrics": {
      const { contentType, body } = await deps.metrics.scrape();
      return send(res, req, 200, contentType, body);
    }
    case "/favicon.ico": // browsers ask for it; answer without a 404 in the console
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    case "/healthz":
      return send(res, req, 200, "application/json", '{"status":"ok"}');
    default:
      return send(res, req, 404, "text/plain; charset=utf-8", "not found\n");
  }
}

/** Everything the page shows, in one document. */
export function state(deps: DashboardDeps) {
  const { rt } = deps;
  const head = rt.audit.head;
  return {
    version: VERSION,
    startedAt: new Date(deps.startedAt).toISOString(),
    now: new Date(rt.nowMs()).toISOString(),
    proxyListen: deps.proxyListen(),
    inflight: rt.inflight,
    audit: {
      head: head ? { seq: head.seq, hash: head.hash } : null,
      ...rt.audit.stats(),
    },
    activity: labelActivity(deps.activity.snapshot(), rt.state.config, deps.auditIndex),
    config: describeConfig(rt.state.config, rt.state.keyRing.status(), deps.proxyListen()),
  };
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  type: string,
  body: string,
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": Buffer.byteLength(body),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}
