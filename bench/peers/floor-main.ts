/**
 * The floor contender: the least a Node MITM can do and still do what Sigil Vault must do per
 * request — CONNECT, TLS termination with a per-host leaf (the product's leaf cache), HTTP parse,
 * one Ed25519 verify of the request's attestation (the same verifier the gate uses), one
 * group-committed durable append (O_DSYNC, as the audit writer) before forwarding, then a
 * keep-alive `https.Agent` to the upstream with the header injected. No claims, replay, routing,
 * backend, redaction or hash chain: what sigil-vault spends beyond this is the pipeline's own cost.
 *
 * Config from the environment (see contenders/floor.ts); prints `{"port":…,"caPem":…}` when ready.
 */
import { createPublicKey } from "node:crypto";
import { closeSync, constants, openSync, readFileSync, write } from "node:fs";
import { Agent, request } from "node:https";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { ed25519 } from "../../src/attestation/ed25519.js";
import { createCa, parseCa } from "../../src/mitm/ca.js";
import { createLeafCache } from "../../src/mitm/leaf-cache.js";

const env = (name: string) => process.env[name] ?? "";
const auth = env("BENCH_AUTH");
const upstreamCa = readFileSync(env("BENCH_UPSTREAM_CA"), "utf8");
const key = createPublicKey({
  key: { kty: "OKP", crv: "Ed25519", x: env("BENCH_FLOOR_JWK_X") },
  format: "jwk",
});
const ca = createCa();
const leaves = createLeafCache(parseCa(ca));
const upstream = new Agent({ keepAlive: true, maxSockets: 256, ca: upstreamCa });
const fd = openSync(
  join(env("BENCH_FLOOR_DIR"), "floor.log"),
  constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (constants.O_DSYNC ?? 0),
  0o600,
);

/** Group commit: lines queued while a write is in flight go out together as the next write. */
let queue: { line: string; done: (ok: boolean) => void }[] = [];
let writing = false;
function append(line: string): Promise<boolean> {
  return new Promise((done) => {
    queue.push({ line, done });
    if (!writing) flush();
  });
}
function flush(): void {
  const batch = queue;
  queue = [];
  writing = true;
  const data = Buffer.from(batch.map((p) => p.line).join(""));
  write(fd, data, 0, data.length, null, (err, n) => {
    const ok = !err && n === data.length;
    for (const p of batch) p.done(ok);
    if (queue.length > 0) flush();
    else writing = false;
  });
}

const inner = createServer({ keepAliveTimeout: 60_000 }, (req, res) => void handle(req, res));
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = req.headers["x-sigil-attestation"];
  const dot = typeof token === "string" ? token.lastIndexOf(".") : -1;
  if (
    typeof token !== "string" ||
    dot < 0 ||
    !ed25519().verify(
      Buffer.from(token.slice(0, dot), "ascii"),
      Buffer.from(token.slice(dot + 1), "base64url"),
      key,
    )
  ) {
    res.writeHead(403).end();
    return;
  }
  const host = (req.socket as TLSSocket).servername || "";
  const line = `{"ts":"${new Date().toISOString()}","host":${JSON.stringify(host)},"path":${JSON.stringify(req.url)}}\n`;
  if (!(await append(line))) {
    res.writeHead(503).end();
    return;
  }
  const headers: Record<string, string | string[] | undefined> = {
    ...req.headers,
    authorization: auth,
  };
  delete headers["x-sigil-attestation"];
  delete headers["x-sigil-intent"];
  const up = request(
    {
      agent: upstream,
      host: "127.0.0.1",
      port: Number(/:(\d+)$/.exec(req.headers.host ?? "")?.[1] ?? 443),
      servername: host,
      method: req.method,
      path: req.url,
      headers,
    },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(up);
}

const outer = createServer();
outer.on("connect", (_req: IncomingMessage, socket: Socket, head: Buffer) => {
  socket.setNoDelay(true);
  socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) socket.unshift(head);
  const tls = new TLSSocket(socket, {
    isServer: true,
    SNICallback: (name, cb) => {
      try {
        cb(null, leaves.secureContext(name));
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  tls.on("error", () => tls.destroy());
  inner.emit("connection", tls);
});
outer.listen(0, "127.0.0.1", () => {
  const { port } = outer.address() as { port: number };
  process.stdout.write(JSON.stringify({ port, caPem: ca.certPem }) + "\n");
});
process.on("SIGTERM", () => {
  closeSync(fd);
  process.exit(0);
});
