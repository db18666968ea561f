/**
 * Upstream faults (issue #5): a certificate that must not verify stops the request before a single
 * HTTP byte is decrypted upstream; an upstream that resets, closes or goes quiet mid-response gives
 * the agent a visibly broken response (never a clean, complete one) and an `outcome` with a code.
 */
import assert from "node:assert/strict";
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
} from "node:net";
import { after, before, describe, it } from "node:test";
import { TLSSocket } from "node:tls";
import type { AuditRecord } from "../../src/audit/record.js";
import { startFaultServer, type Fault, type FaultServer } from "../helpers/fault-server.js";
import { expectErrorResponse, startHarness, type Harness } from "../helpers/harness.js";
import { createSelfSignedLeaf, createTestPki, type TestLeaf } from "../helpers/pki.js";

const DAY_MS = 86_400_000;
const IDLE_MS = 1000;
const pki = createTestPki();
const now = Date.now();

/**
 * A raw TLS server that counts every application byte it decrypts and answers a request head with
 * a tiny 200 — or, with `resetAfter`, resets the TCP connection once that many bytes arrived.
 */
interface Recorder {
  server: NetServer;
  port: number;
  decrypted: number;
}

async function startRecorder(leaf: TestLeaf, resetAfter = Infinity): Promise<Recorder> {
  const rec = { decrypted: 0 } as Recorder;
  rec.server = createNetServer((raw) => {
    raw.on("error", () => {});
    const socket = new TLSSocket(raw, { isServer: true, key: leaf.keyPem, cert: leaf.certPem });
    let text = "";
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => {
      rec.decrypted += d.length;
      if (rec.decrypted >= resetAfter) return void raw.resetAndDestroy();
      text += d.toString("latin1");
      if (resetAfter === Infinity && text.includes("\r\n\r\n")) {
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
      }
    });
  });
  await new Promise<void>((resolve) => rec.server.listen(0, "127.0.0.1", resolve));
  rec.port = (rec.server.address() as AddressInfo).port;
  return rec;
}

/** [case, host, leaf, the TLS error the proxy names]; the control row must verify. */
const tlsCases: [string, string, TestLeaf, RegExp | null][] = [
  [
    "a certificate that verifies (control)",
    "good.example.test",
    pki.issue(["good.example.test"]),
    null,
  ],
  [
    "an expired certificate",
    "expired.example.test",
    pki.issue(["expired.example.test"], {
      notBefore: new Date(now - 3 * DAY_MS),
      notAfter: new Date(now - DAY_MS),
    }),
    /CERT_HAS_EXPIRED/,
  ],
  [
    "a certificate that is not valid yet",
    "early.example.test",
    pki.issue(["early.example.test"], {
      notBefore: new Date(now + DAY_MS),
      notAfter: new Date(now + 3 * DAY_MS),
    }),
    /CERT_NOT_YET_VALID/,
  ],
  [
    "a certificate for another name",
    "named.example.test",
    pki.issue(["someone-else.example.test"]),
    /ERR_TLS_CERT_ALTNAME_INVALID/,
  ],
  [
    "a self-signed certificate",
    "self.example.test",
    createSelfSignedLeaf(["self.example.test"]),
    /DEPTH_ZERO_SELF_SIGNED_CERT/,
  ],
  [
    "a chain from a CA the route does not trust",
    "other-ca.example.test",
    createTestPki("Untrusted CA").issue(["other-ca.example.test"]),
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
  ],
];

const RESET_HOST = "reset.example.test";
const UPLOAD_HOST = "upload.example.test";
const head = (headers: string) => `HTTP/1.1 200 OK\r\n${headers}\r\n\r\n`;
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
const SSE = "content-type: text/event-stream\r\ntransfer-encoding: chunked";

/** [case, path, fault, bytes the agent must have seen before the break, outcome error]. */
const streamCases: [string, string, Fault, string, string][] = [
  [
    "a reset after the head, inside a Content-Length body",
    "/length-reset",
    { raw: head("content-length: 1000") + "first part ", gapMs: 150, then: "reset" },
    "first part ",
    "ERR_UPSTREAM_FAILED",
  ],
  [
    "a clean close (FIN) before the Content-Length body is complete",
    "/length-close",
    { raw: head("content-length: 1000") + "first part ", gapMs: 150, then: "close" },
    "first part ",
    "ERR_UPSTREAM_FAILED",
  ],
  [
    "a reset inside a chunked body",
    "/chunked-reset",
    { raw: head("transfer-encoding: chunked") + chunk("chunk 0\n"), gapMs: 150, then: "reset" },
    "chunk 0\n",
    "ERR_UPSTREAM_FAILED",
  ],
  [
    "a reset during server-sent events",
    "/sse-reset",
    {
      raw: head(SSE) + chunk('id: 0\ndata: {"n":0}\n\n') + chunk('id: 1\ndata: {"n":1}\n\n'),
      gapMs: 150,
      then: "reset",
    },
    'id: 0\ndata: {"n":0}\n\nid: 1\ndata: {"n":1}\n\n',
    "ERR_UPSTREAM_FAILED",
  ],
  [
    "an upstream that sends the head and then hangs",
    "/head-hang",
    { raw: head("content-length: 100"), then: "hang" },
    "",
    "ERR_UPSTREAM_IDLE_TIMEOUT",
  ],
];

/** [case, path, fault] for upstreams that fail before a response head: a 502 to the agent. */
const headCases: [string, string, Fault][] = [
  ["resets the connection instead of answering", "/reset-before-head", { then: "reset" }],
  ["closes the connection without answering", "/close-before-head", { then: "close" }],
  ["answers bytes that are not HTTP", "/garbage", { raw: "GARBAGE\r\n\r\n", then: "close" }],
];

describe("upstream faults", () => {
  let h: Harness;
  const recorders: Recorder[] = [];
  let resets: FaultServer;
  before(async () => {
    const resolve: Record<string, string> = {};
    for (const [, host, leaf] of tlsCases) {
      const rec = await startRecorder(leaf);
      recorders.push(rec);
      resolve[`${host}:443`] = `127.0.0.1:${rec.port}`;
    }
    const upload = await startRecorder(pki.issue([UPLOAD_HOST]), 64 * 1024);
    recorders.push(upload);
    resolve[`${UPLOAD_HOST}:443`] = `127.0.0.1:${upload.port}`;
    resets = await startFaultServer(pki.issue([RESET_HOST]));
    const byPath = new Map(
      [...streamCases, ...headCases].map(([, path, fault]) => [path, fault] as const),
    );
    resets.fault = (req) => byPath.get(req.url ?? "") ?? { then: "hang" };
    resolve[`${RESET_HOST}:443`] = `127.0.0.1:${resets.port}`;
    h = await startHarness({
      upstreamPki: pki,
      proxy: { idle_timeout_ms: IDLE_MS },
      routes: [
        ...tlsCases.map(([, host]) => ({ host, path: "/*" })),
        { host: RESET_HOST, path: "/*" },
        { host: UPLOAD_HOST, path: "/*", methods: ["POST"] },
      ],
      resolve,
    });
  });
  after(async () => {
    await h?.stop();
    await resets?.close();
    for (const r of recorders) await new Promise((done) => r.server.close(done));
  });

  /** The release for this host and path, and the outcome that closes it. */
  async function outcomeFor(host: string, path: string) {
    const release = await h.waitForAudit(
      (r) => r.type === "release" && r["host"] === host && r["path"] === path,
    );
    const outcome = await h.waitForAudit(
      (r: AuditRecord) => r.type === "outcome" && r["release"] === release.hash,
    );
    return { release, outcome };
  }

  tlsCases.forEach(([name, host, , reason], i) => {
    it(`upstream TLS: ${name} ${reason ? "is 502 with no HTTP byte decrypted upstream" : "passes"}`, async () => {
      const rec = recorders[i]!;
      const res = await h.attested({ host, path: "/x" });
      if (!reason) {
        assert.equal(res.status, 200);
        assert.ok(rec.decrypted > 0, "the control upstream decrypted the request");
        return;
      }
      const id = expectErrorResponse(res, 502, "ERR_UPSTREAM_FAILED");
      assert.match(JSON.parse(res.body.toString()).error.message, reason);
      assert.equal(rec.decrypted, 0, "not one application byte reached the upstream");
      const { outcome } = await outcomeFor(host, "/x");
      assert.equal(outcome["requestId"], id);
      assert.equal(outcome["error"], "ERR_UPSTREAM_FAILED");
      assert.equal(outcome["status"], 502);
    });
  });

  it("before the head: an upstream that resets while the agent still uploads is 502", async () => {
    const body = Buffer.alloc(4 << 20, 0x61);
    const res = await h.attested({ method: "POST", host: UPLOAD_HOST, path: "/upload", body });
    const id = expectErrorResponse(res, 502, "ERR_UPSTREAM_FAILED");
    assert.equal(res.headers["connection"], "close", "the unread rest of the body is not parsed");
    const { outcome } = await outcomeFor(UPLOAD_HOST, "/upload");
    assert.equal(outcome["requestId"], id);
    assert.equal(outcome["error"], "ERR_UPSTREAM_FAILED");
  });

  for (const [name, path] of headCases) {
    it(`before the head: an upstream that ${name} is 502 ERR_UPSTREAM_FAILED`, async () => {
      const res = await h.attested({ host: RESET_HOST, path });
      const id = expectErrorResponse(res, 502, "ERR_UPSTREAM_FAILED");
      const { outcome } = await outcomeFor(RESET_HOST, path);
      assert.equal(outcome["requestId"], id);
      assert.equal(outcome["error"], "ERR_UPSTREAM_FAILED");
    });
  }

  for (const [name, path, , seen, code] of streamCases) {
    it(`mid-response: ${name} reaches the agent as a failed response`, async () => {
      let received = "";
      const started = Date.now();
      await assert.rejects(
        h.attested({ host: RESET_HOST, path, onData: (c) => (received += c.toString()) }),
        "the agent must not see a clean, complete response",
      );
      assert.equal(received, seen, "what the upstream sent before the break was relayed");
      assert.ok(Date.now() - started < IDLE_MS + 3000, `took ${Date.now() - started} ms`);
      const { outcome } = await outcomeFor(RESET_HOST, path);
      assert.equal(outcome["status"], 200);
      assert.equal(outcome["error"], code);
      assert.equal(outcome["bytesOut"], Buffer.byteLength(seen));
    });
  }
});
