/**
 * A pooled upstream connection is reused only for a request that would have verified it the same
 * way. Node's pool key leaves out the name a connection was verified for when it equals the host
 * dialled, or when there is no SNI (an IP literal): without our own key, a route for an IP literal
 * that `--resolve` sends to a DNS name would ride a socket verified only for that name.
 */
import assert from "node:assert/strict";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createSecureContext } from "node:tls";
import { SigilError } from "../../src/errors.js";
import { createUpstreamPool, type UpstreamTarget } from "../../src/forward.js";
import { createDeadline } from "../../src/proxy/deadline.js";
import { createTestPki } from "../helpers/pki.js";

test("a socket verified for a name is not reused for an IP-literal target dialled at that name", async (t) => {
  const pki = createTestPki();
  const leaf = pki.issue(["localhost"]); // no IP address in the certificate
  let connections = 0;
  const server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    req.resume();
    res.end("ok");
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const pool = createUpstreamPool();
  t.after(() => {
    pool.destroy();
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const trust = { secureContext: createSecureContext({ ca: pki.caPem }), caPems: [pki.caPem] };
  const named: UpstreamTarget = {
    scheme: "https",
    host: "localhost",
    port,
    connectHost: "localhost",
    connectPort: port,
    ...trust,
  };
  const ipLiteral: UpstreamTarget = { ...named, host: "10.9.9.9" };
  const send = async (target: UpstreamTarget) => {
    const out = { method: "GET", path: "/", host: target.host, headers: {} };
    const res = await pool.request(target, out, Buffer.alloc(0), createDeadline(5000), "agt_a");
    res.resume();
    await new Promise((r) => res.on("end", r));
    return res.statusCode;
  };
  assert.equal(await send(named), 200);
  assert.equal(connections, 1);
  await new Promise((r) => setImmediate(r)); // the socket is back in the pool
  await assert.rejects(
    send(ipLiteral),
    (e: unknown) =>
      e instanceof SigilError && e.code === "ERR_UPSTREAM_FAILED" && /TLS/.test(e.reason),
    "the IP-literal target verifies its own connection, and the certificate does not name it",
  );
  assert.equal(connections, 2, "a new connection was opened for the IP-literal target");
  assert.equal(await send(named), 200, "the name's pooled socket still serves the name");
});
