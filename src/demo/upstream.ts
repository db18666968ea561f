/**
 * The demo's stand-in for a real API: an HTTPS server on loopback with its own throwaway CA. It
 * keeps only a SHA-256 of each Authorization header it receives, so the demo can prove the
 * credential arrived without the demo itself holding or printing it.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:https";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createCa, parseCa } from "../mitm/ca.js";
import { createCertificate, randomSerial } from "../mitm/x509.js";

export interface DemoUpstream {
  port: number;
  caPem: string;
  /** SHA-256 hex of each Authorization header received, and whether any Sigil header leaked. */
  seen: { authSha256: string | null; sigilHeaders: number; proxyAuth: boolean }[];
  close(): Promise<void>;
}

export async function startDemoUpstream(host: string): Promise<DemoUpstream> {
  const ca = parseCa(createCa());
  const leafKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const now = Date.now();
  const cert = createCertificate({
    serial: randomSerial(),
    subject: { commonName: host },
    issuer: ca.subjectDer,
    authorityKeyId: ca.keyId,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    publicKey: leafKeys.publicKey,
    signingKey: ca.key,
    isCa: false,
    dnsNames: [host],
  });
  const seen: DemoUpstream["seen"] = [];
  const server: Server = createServer(
    { key: leafKeys.privateKey.export({ type: "pkcs8", format: "pem" }), cert },
    (req, res) => {
      const auth = req.headers.authorization;
      seen.push({
        authSha256: auth ? createHash("sha256").update(auth).digest("hex") : null,
        sigilHeaders: Object.keys(req.headers).filter((h) => h.startsWith("x-sigil-")).length,
        proxyAuth: req.headers["proxy-authorization"] !== undefined,
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "demo-model" }] }));
    },
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    caPem: ca.certPem,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
