/**
 * Property (issue 10): for generated attested requests — method × framing × Connection tokens ×
 * body size and content — the bytes the upstream receives parse, with a strict parser that is not
 * node:http, as exactly one request whose body equals the agent's, followed by the agent's next
 * request on the same tunnel. A body that escaped its framing would parse as extra requests.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { openTunnel, readMessage } from "../helpers/agent-client.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";
import { startRawUpstream, type RawUpstream } from "../helpers/raw-upstream.js";

const HOST = "raw.example.test";
const METHODS = ["GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT", "PATCH"];
const TOKENS = ["content-length", "transfer-encoding", "host", "keep-alive", "authorization", "te"];
const SMUGGLE = `GET /admin HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

describe("property: one attested request is exactly one upstream request", () => {
  let h: Harness;
  let raw: RawUpstream;
  before(async () => {
    const pki = createTestPki();
    raw = await startRawUpstream({ pki, hosts: [HOST] });
    h = await startHarness({
      upstreamPki: pki,
      routes: [{ host: HOST, path: "/v1/*", methods: METHODS }],
      resolve: { [`${HOST}:443`]: `127.0.0.1:${raw.port}` },
    });
  });
  after(async () => {
    await h?.stop();
    await raw?.close();
  });

  it("holds for methods × framing × Connection tokens × bodies", async () => {
    const arb = fc.record({
      method: fc.constantFrom(...METHODS),
      framing: fc.constantFrom("none", "length", "chunked"),
      tokens: fc.subarray(TOKENS),
      size: fc.constantFrom(0, 1, 37, 1000, 70_000),
      smuggle: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const body =
          c.framing === "none"
            ? Buffer.alloc(0)
            : c.smuggle
              ? Buffer.from(SMUGGLE.repeat(Math.max(1, Math.ceil(c.size / SMUGGLE.length))))
              : randomBytes(c.size);
        // Bound to this method and URL: the route takes the default binding (required).
        const bound = h.attest({ method: c.method, url: `https://${HOST}/v1/p` });
        let head =
          `${c.method} /v1/p HTTP/1.1\r\nHost: ${HOST}\r\n` +
          `X-Sigil-Attestation: ${bound.attestation}\r\nX-Sigil-Intent: ${bound.intent!}\r\n`;
        if (c.tokens.length) head += `Connection: ${c.tokens.join(", ")}\r\n`;
        if (c.framing === "length") head += `Content-Length: ${body.length}\r\n`;
        if (c.framing === "chunked") head += "Transfer-Encoding: chunked\r\n";
        const wire =
          c.framing === "chunked"
            ? Buffer.concat([
                body.length ? Buffer.from(`${body.length.toString(16)}\r\n`) : Buffer.alloc(0),
                body,
                body.length ? Buffer.from("\r\n") : Buffer.alloc(0),
                Buffer.from("0\r\n\r\n"),
              ])
            : body;
        const follow = h.attest({ method: "GET", url: `https://${HOST}/v1/next` });
        const next =
          `GET /v1/next HTTP/1.1\r\nHost: ${HOST}\r\n` +
          `X-Sigil-Attestation: ${follow.attestation}\r\nX-Sigil-Intent: ${follow.intent!}\r\n\r\n`;

        const seen = raw.requests().length;
        const brokenBefore = raw.connections.filter((conn) => conn.error !== undefined).length;
        const t = await openTunnel(h.tunnel({ host: HOST }));
        if ("refused" in t) throw new Error("CONNECT refused");
        try {
          t.tls.write(Buffer.concat([Buffer.from(head + "\r\n"), wire]));
          assert.equal((await readMessage(t.tls, 5000)).status, 200);
          t.tls.write(next);
          assert.equal((await readMessage(t.tls, 5000)).status, 200);
        } finally {
          t.tls.destroy();
        }
        const got = raw.requests().slice(seen);
        assert.deepEqual(
          got.map((r) => `${r.method} ${r.target}`),
          [`${c.method} /v1/p`, "GET /v1/next"],
        );
        assert.ok(got[0]!.body.equals(body), "the upstream got the agent's body, byte for byte");
        const framing = got[0]!.headers.filter(
          ([k]) => k === "content-length" || k === "transfer-encoding",
        );
        if (body.length > 0) assert.equal(framing.length, 1, "a body always travels framed");
        assert.equal(got[0]!.headers.filter(([k]) => k === "host").length, 1);
        const broken = raw.connections.filter((conn) => conn.error !== undefined).length;
        assert.equal(broken, brokenBefore, "no bytes the strict parser refused");
      }),
      { numRuns: 40 },
    );
  });
});
