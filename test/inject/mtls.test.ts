import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { createCredential } from "../../src/backends/backend.js";
import { SigilError } from "../../src/errors.js";
import { createUpstreamPool } from "../../src/forward.js";
import { compileInjector } from "../../src/inject/index.js";
import type { OutboundRequest } from "../../src/inject/injector.js";
import { createCa, parseCa } from "../../src/mitm/ca.js";
import { createDeadline } from "../../src/proxy/deadline.js";
import { signClientLeaf } from "../fakes/hashicorp-vault/client-leaf.js";
import { createTestPki } from "../helpers/pki.js";

const req = (): OutboundRequest => ({ method: "GET", path: "/", host: "mtls.test", headers: {} });
const cred = (fields: Record<string, string>) =>
  createCredential(new Map(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v)])));

/** A client certificate and key as PEM, issued by a fresh CA (returned too). */
function clientIdentity(commonName = "agent.internal") {
  const ca = parseCa(createCa());
  const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const certificate = signClientLeaf({
    ca,
    serial: randomBytes(8),
    commonName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 300_000),
    publicKey: key.publicKey,
  });
  const privateKey = key.privateKey.export({ type: "sec1", format: "pem" }).toString();
  return { caPem: ca.certPem, certificate, privateKey };
}

test("mtls takes no argument and needs certificate and private_key", () => {
  const inj = compileInjector("mtls");
  assert.equal(inj.spec, "mtls");
  assert.deepEqual([...inj.requiredFields].sort(), ["certificate", "private_key"]);
  assert.throws(
    () => compileInjector("mtls:client"),
    (e: unknown) => e instanceof SigilError && e.code === "ERR_USAGE",
  );
});

test("apply sets the client certificate (with its CA chain) and key, and no header", () => {
  const out = req();
  const c = cred({ certificate: "CERT-PEM", ca_chain: "CHAIN-PEM\n", private_key: "KEY-PEM" });
  compileInjector("mtls").apply(out, c);
  assert.equal(out.tls?.cert.toString(), "CERT-PEM\nCHAIN-PEM\n");
  assert.equal(out.tls?.key, c.fields.get("private_key"), "the credential's own buffer");
  assert.deepEqual(out.headers, {});
  const plain = req();
  compileInjector("mtls").apply(plain, cred({ certificate: "CERT\n", private_key: "K" }));
  assert.equal(plain.tls?.cert.toString(), "CERT\n");
});

test("the key given to TLS is zeroed when the credential is released", async () => {
  const out = req();
  const c = cred({ certificate: "CERT", private_key: "KEY-PEM-BYTES" });
  compileInjector("mtls").apply(out, c);
  await c.release();
  assert.ok(out.tls!.key.every((b) => b === 0));
});

test("a credential without certificate or key is refused, not sent without one", () => {
  for (const fields of <Record<string, string>[]>[
    { certificate: "C" },
    { private_key: "K" },
    { certificate: "", private_key: "K" },
  ]) {
    const out = req();
    assert.throws(
      () => compileInjector("mtls").apply(out, cred(fields)),
      (e: unknown) => e instanceof SigilError && e.code === "ERR_INJECTION_FAILED",
    );
    assert.equal(out.tls, undefined);
  }
});

test("the forwarder presents the injected certificate to an upstream that requires one", async (t) => {
  const id = clientIdentity("a7.agents.internal");
  const serverPki = createTestPki();
  const leaf = serverPki.issue(["mtls.test"]);
  const server: Server = createServer(
    {
      key: leaf.keyPem,
      cert: leaf.certPem,
      ca: id.caPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (incoming, res) => {
      const peer = (incoming.socket as TLSSocket).getPeerCertificate();
      res.end(`hello ${peer.subject?.CN}`);
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const pool = createUpstreamPool();
  t.after(() => {
    pool.destroy();
    server.close();
    server.closeAllConnections();
  });
  const target = {
    scheme: "https" as const,
    host: "mtls.test",
    port: 443,
    connectHost: "127.0.0.1",
    connectPort: (server.address() as AddressInfo).port,
    caPems: [serverPki.caPem],
  };
  const send = async (out: OutboundRequest) => {
    const res = await pool.request(target, out, Buffer.alloc(0), createDeadline(5000), "agt_t");
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode, body: Buffer.concat(chunks).toString() };
  };
  const out = req();
  const c = cred({ certificate: id.certificate, ca_chain: id.caPem, private_key: id.privateKey });
  compileInjector("mtls").apply(out, c);
  assert.deepEqual(await send(out), { status: 200, body: "hello a7.agents.internal" });

  const stranger = clientIdentity("a7.agents.internal");
  const other = req();
  compileInjector("mtls").apply(
    other,
    cred({ certificate: stranger.certificate, private_key: stranger.privateKey }),
  );
  const upstreamFailed = (e: unknown) =>
    e instanceof SigilError && e.code === "ERR_UPSTREAM_FAILED";
  await assert.rejects(send(other), upstreamFailed, "a certificate from another CA is refused");
  await assert.rejects(send(req()), upstreamFailed, "no certificate is refused");
});
