// Real TLS handshakes against leaves from the cache, the way the MITM listener serves them: a client
// that trusts the Vault CA is authorized for exactly the name it asked for; anyone else is refused.
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { TLSSocket, connect, type ConnectionOptions, type SecureContext } from "node:tls";
import { createCa, parseCa } from "../../src/mitm/ca.js";
import { createLeafCache } from "../../src/mitm/leaf-cache.js";

const NOW = Math.floor(Date.now() / 1000) * 1000;
const ca = createCa({ now: () => NOW });
const cache = createLeafCache(parseCa(ca), { nowMs: () => NOW });
const servers: Server[] = [];
after(() => servers.forEach((server) => server.close()));

/**
 * A listener that wraps each accepted socket in TLS like the MITM does after CONNECT: SNI picks the
 * leaf, and `fallbackContext` serves clients that send no SNI (IP literals).
 */
async function startTlsServer(
  pick: (servername: string) => SecureContext,
  fallback?: SecureContext,
) {
  const server = createServer((socket: Socket) => {
    const tls = new TLSSocket(socket, {
      isServer: true,
      SNICallback: (name, done) => done(null, pick(name)),
      ...(fallback ? { secureContext: fallback } : {}),
    });
    tls.on("error", () => socket.destroy());
    tls.on("secure", () => tls.end("hello"));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function handshake(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ...options }, () => resolve(socket));
    socket.once("error", reject);
  });
}

const rejectedAsUntrusted = (err: unknown) =>
  ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"].includes(
    (err as NodeJS.ErrnoException).code ?? "",
  );

describe("TLS handshake with cached leaves", () => {
  it("authorizes a client that trusts the Vault CA, for the name it sent in SNI", async () => {
    const port = await startTlsServer((name) => cache.secureContext(name));
    const socket = await handshake(port, { servername: "api.example.test", ca: ca.certPem });
    assert.equal(socket.authorized, true);
    const leaf = socket.getPeerX509Certificate();
    assert.equal(leaf?.subjectAltName, "DNS:api.example.test");
    assert.equal(leaf?.checkIssued(parseCa(ca).cert), true);
    assert.equal(new Date(leaf?.validFrom ?? 0).getTime(), NOW - 3_600_000);
    assert.equal(new Date(leaf?.validTo ?? 0).getTime(), NOW + 24 * 3_600_000);
    socket.destroy();
  });

  it("rejects the leaf for a client that trusts a different CA", async () => {
    const port = await startTlsServer((name) => cache.secureContext(name));
    const other = createCa();
    await assert.rejects(
      handshake(port, { servername: "api.example.test", ca: other.certPem }),
      rejectedAsUntrusted,
    );
  });

  it("rejects the leaf for a client that only trusts the system roots", async () => {
    const port = await startTlsServer((name) => cache.secureContext(name));
    await assert.rejects(handshake(port, { servername: "api.example.test" }), rejectedAsUntrusted);
  });

  it("does not let one host's leaf pass for another host", async () => {
    const port = await startTlsServer(() => cache.secureContext("other.example.test"));
    await assert.rejects(handshake(port, { servername: "api.example.test", ca: ca.certPem }), {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });

  it("serves an IP SAN leaf to a client that connects by IP without SNI", async () => {
    const port = await startTlsServer(
      (name) => cache.secureContext(name),
      cache.secureContext("127.0.0.1"),
    );
    const socket = await handshake(port, { ca: ca.certPem });
    assert.equal(socket.authorized, true);
    assert.equal(socket.getPeerX509Certificate()?.subjectAltName, "IP Address:127.0.0.1");
    socket.destroy();
  });

  it("gives each host its own key pair, distinct from the CA's", async () => {
    const port = await startTlsServer((name) => cache.secureContext(name));
    const keys: string[] = [];
    for (const servername of ["a.example.test", "b.example.test"]) {
      const socket = await handshake(port, { servername, ca: ca.certPem });
      const key = socket.getPeerX509Certificate()?.publicKey;
      keys.push(key?.export({ type: "spki", format: "der" }).toString("hex") ?? "");
      socket.destroy();
    }
    const caKey = parseCa(ca)
      .cert.publicKey.export({ type: "spki", format: "der" })
      .toString("hex");
    assert.equal(new Set([...keys, caKey]).size, 3);
  });
});
