/**
 * Outbound header hygiene (spec §3): what survives from the agent's raw headers. The framing
 * headers never travel (the forwarder writes its own), and `Connection` only names hop-by-hop
 * fields — it can never remove Host, Content-Length or Transfer-Encoding.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outboundHeaders, responseHeaders } from "../../src/proxy/headers.js";
import { requestFraming, setFraming } from "../../src/proxy/framing.js";
import { IncomingMessage, OutgoingMessage } from "node:http";
import { Socket } from "node:net";
import { bodyCodings } from "../../src/proxy/decode.js";

describe("outboundHeaders", () => {
  it("drops framing, hop-by-hop, proxy and Sigil headers, and whatever Connection names", () => {
    const out = outboundHeaders([
      "Host",
      "api.test",
      "Content-Length",
      "5",
      "Transfer-Encoding",
      "chunked",
      "Connection",
      "keep-alive, X-Drop, content-length, host, transfer-encoding",
      "X-Drop",
      "1",
      "Proxy-Authorization",
      "Basic x",
      "X-Sigil-Attestation",
      "a.b.c",
      "Accept",
      "*/*",
    ]);
    assert.deepEqual({ ...out }, { accept: "*/*" });
  });

  it("keeps a header named __proto__ as an ordinary entry", () => {
    const out = outboundHeaders(["__proto__", "x", "Accept", "a"]);
    assert.deepEqual(Object.entries(out), [
      ["__proto__", "x"],
      ["accept", "a"],
    ]);
  });

  it("keeps repeated headers in order", () => {
    assert.deepEqual(outboundHeaders(["A", "1", "a", "2"])["a"], ["1", "2"]);
  });
});

describe("responseHeaders", () => {
  it("lets Connection drop a hop-by-hop field but never Content-Length", () => {
    const raw = ["Content-Length", "2", "Connection", "content-length, x-h", "X-H", "1", "Y", "2"];
    assert.deepEqual(responseHeaders(raw), ["Content-Length", "2", "Y", "2"]);
  });
});

describe("framing", () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it("reads the agent's framing and refuses anything ambiguous", () => {
    assert.deepEqual(requestFraming(req({})), { kind: "none" });
    assert.deepEqual(requestFraming(req({ "content-length": "12" })), {
      kind: "length",
      length: 12,
    });
    assert.deepEqual(requestFraming(req({ "transfer-encoding": "chunked" })), { kind: "chunked" });
    const ambiguous: Record<string, string>[] = [
      { "content-length": "1", "transfer-encoding": "chunked" },
      { "transfer-encoding": "gzip, chunked" },
      { "content-length": "-1" },
    ];
    for (const bad of ambiguous) {
      assert.throws(() => requestFraming(req(bad)), { code: "ERR_BAD_REQUEST" });
    }
  });

  it("writes framing for exactly the body sent", () => {
    const h = (body: Parameters<typeof setFraming>[1]) => {
      const out = new OutgoingMessage();
      out.setHeader("content-length", "999");
      out.setHeader("transfer-encoding", "x");
      setFraming(out, body);
      return { ...out.getHeaders() };
    };
    assert.deepEqual(h(Buffer.from("abc")), { "content-length": "3" });
    assert.deepEqual(h(Buffer.alloc(0)), {});
    assert.deepEqual(h({ kind: "length", length: 7 }), { "content-length": "7" });
    assert.deepEqual(h({ kind: "chunked" }), { "transfer-encoding": "chunked" });
    assert.deepEqual(h({ kind: "none" }), {});
  });
});

describe("bodyCodings", () => {
  it("reads the coding fields as Node's headers object would, from the raw list", () => {
    const raw = [
      "Transfer-Encoding",
      "gzip",
      "X-Long-Header-Name",
      "x",
      "content-ENCODING",
      "br",
      "Content-Length",
      "12",
      "TRANSFER-ENCODING",
      "chunked",
      "content-length",
      "99",
    ];
    assert.deepEqual(
      { ...bodyCodings(raw) },
      { "transfer-encoding": "gzip, chunked", "content-encoding": "br", "content-length": "12" },
    );
    // Node's own header folding as the oracle (an internal, stable since Node 0.x).
    const msg = new IncomingMessage(new Socket()) as IncomingMessage & {
      _addHeaderLines(h: string[], n: number): void;
    };
    msg._addHeaderLines(raw, raw.length);
    for (const name of ["transfer-encoding", "content-encoding", "content-length"] as const) {
      assert.equal(bodyCodings(raw)[name], msg.headers[name], name);
    }
    assert.deepEqual({ ...bodyCodings(["Content-Type", "text/plain"]) }, {});
  });
});
