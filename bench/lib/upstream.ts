/**
 * The benchmark's upstream: a keep-alive HTTPS server on loopback with its own CA, covering
 * every host name a run uses, so first-contact runs can use many names. It records nothing, so long runs
 * do not grow its memory.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:https";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createCa, parseCa } from "../../src/mitm/ca.js";
import { createCertificate, randomSerial } from "../../src/mitm/x509.js";

export interface BenchUpstream {
  port: number;
  caPem: string;
  /** Requests that arrived with the expected Authorization header / without it. */
  counts: { authorized: number; unauthorized: number };
  close(): Promise<void>;
}

export async function startBenchUpstream(
  expectedAuth: string,
  hosts: string[],
): Promise<BenchUpstream> {
  const ca = parseCa(createCa());
  const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const now = Date.now();
  const cert = createCertificate({
    serial: randomSerial(),
    subject: { commonName: "api.bench.test" },
    issuer: ca.subjectDer,
    authorityKeyId: ca.keyId,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    isCa: false,
    dnsNames: hosts,
  });
  const counts = { authorized: 0, unauthorized: 0 };
  const small = Buffer.from('{"ok":true}');
  const server: Server = createServer(
    {
      key: keys.privateKey.export({ type: "pkcs8", format: "pem" }),
      cert,
      keepAliveTimeout: 60_000,
    },
    (req, res) => {
      if (req.headers.authorization === expectedAuth) counts.authorized++;
      else counts.unauthorized++;
      const url = req.url ?? "/";
      if (url.startsWith("/v1/sse")) return sse(res, url);
      const size = /[?&]bytes=(\d+)/.exec(url);
      req.resume();
      req.on("end", () => {
        if (size) {
          res.writeHead(200, {
            "content-type": "application/octet-stream",
            "content-length": size[1],
          });
          res.end(Buffer.alloc(Number(size[1]), 0x61));
        } else {
          res.writeHead(200, {
            "content-type": "application/json",
            "content-length": small.length,
          });
          res.end(small);
        }
      });
    },
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    caPem: ca.certPem,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `/v1/sse?n=N&ms=M`: N events, M ms apart, each flushed on its own. */
function sse(res: import("node:http").ServerResponse, url: string): void {
  const n = Number(/[?&]n=(\d+)/.exec(url)?.[1] ?? 5);
  const ms = Number(/[?&]ms=(\d+)/.exec(url)?.[1] ?? 20);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  let i = 0;
  const tick = () => {
    res.write(`data: ${Date.now()} ${i}\n\n`);
    if (++i >= n) return void res.end();
    setTimeout(tick, ms);
  };
  tick();
}
