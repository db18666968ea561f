/**
 * The probe's upstream: an HTTPS echo on 127.0.0.1 whose certificate names the probe host and is
 * issued by an ephemeral probe CA (the route's only trust root), so a successful probe proves real
 * upstream name verification. It reports what reached it and echoes the credential back, so
 * doctor can check injection, header stripping and redaction from the agent's side.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { createCa, parseCa } from "../mitm/ca.js";
import { createLeafCache } from "../mitm/leaf-cache.js";
import type { ProbeBackend } from "./backend.js";
import { PROBE_HOST, PROBE_PATH } from "./names.js";

/** Headers the proxy must never forward; the echo names any that reached it. */
export const AGENT_ONLY_HEADERS = ["proxy-authorization", "x-sigil-attestation", "x-sigil-intent"];

/** What the echo answers (JSON); `echo` is the injected credential, which the proxy must mask. */
export interface EchoReport {
  probe: "sigil-vault";
  /** Exactly one Authorization header arrived and it carries a canary the probe backend released. */
  injected: boolean;
  authorizationHeaders: number;
  /** Agent-only headers (lower-case names) that reached the upstream; must be empty. */
  reached: string[];
  /** The TLS server name the proxy asked for. */
  servername: string | null;
  echo: string;
}

export interface EchoUpstream {
  port: number;
  /** Trust for the probe route: the probe CA alone. */
  trust: { pem: string; context: SecureContext };
  close(): Promise<void>;
}

export async function startEchoUpstream(backend: ProbeBackend): Promise<EchoUpstream> {
  const ca = parseCa(createCa());
  const leaf = createLeafCache(ca, { maxEntries: 1 }).secureContext(PROBE_HOST);
  const server: Server = createServer(
    // The probe host's certificate whatever name is asked for: the wrong-name route must be
    // refused by the proxy's name check, not by a missing certificate.
    { SNICallback: (_name, cb) => cb(null, leaf) },
    (req, res) => {
      if (req.url !== PROBE_PATH) {
        res.writeHead(404).end();
        return;
      }
      const auths: string[] = [];
      const reached = new Set<string>();
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = (req.rawHeaders[i] as string).toLowerCase();
        if (name === "authorization") auths.push(req.rawHeaders[i + 1] as string);
        if (AGENT_ONLY_HEADERS.includes(name)) reached.add(name);
      }
      const value = auths.length === 1 ? (auths[0] as string).replace(/^Bearer /, "") : "";
      const report: EchoReport = {
        probe: "sigil-vault",
        injected: value !== "" && backend.issued(value),
        authorizationHeaders: auths.length,
        reached: [...reached],
        servername: (req.socket as TLSSocket).servername || null,
        echo: value,
      };
      const body = JSON.stringify(report);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-probe-echo": value || "none",
      });
      res.end(body);
    },
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    trust: { pem: ca.certPem, context: createSecureContext({ ca: [ca.certPem] }) },
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
