/**
 * Every body shape SDKs hand to fetch — string, bytes, Blob, URLSearchParams, FormData, a stream —
 * is hashed exactly as it goes on the wire, so Vault's body binding verifies it; a custom
 * authorizer (here: the harness's signing key) plugs in instead of Sign.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createAttestedFetch, type Authorizer, type HttpIntent } from "../../src/client/index.js";
import { signAttestation } from "../../src/dev/token.js";
import { startHarness, type Harness } from "../helpers/harness.js";

describe("request bodies through createAttestedFetch", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ routes: [{ path: "/v1/*", binding: "required" }] });
  });
  after(() => h.stop());

  const intents: HttpIntent[] = [];
  const authorizer: Authorizer = async ({ intent, txCommit }) => {
    intents.push(intent);
    return signAttestation(h.devKey, {
      agentId: h.agent.name,
      framework: "unit",
      txCommit,
      iat: Math.floor(Date.now() / 1000),
    });
  };
  const attestedFetch = () =>
    createAttestedFetch({
      proxy: `http://127.0.0.1:${h.proxyPort}`,
      agentToken: h.agent.token,
      ca: h.caPem,
      authorizer,
      env: {},
    });

  const form = new FormData();
  form.append("purpose", "fine-tune");
  form.append("file", new Blob(["line 1\n"], { type: "text/plain" }), "data.jsonl");
  const bodies: [string, () => RequestInit][] = [
    ["a string", () => ({ body: '{"a":1}', headers: { "content-type": "application/json" } })],
    ["bytes", () => ({ body: new Uint8Array([1, 2, 3]) })],
    ["a Blob", () => ({ body: new Blob(["blob"], { type: "text/plain" }) })],
    ["URLSearchParams", () => ({ body: new URLSearchParams({ q: "x y" }) })],
    ["FormData (multipart)", () => ({ body: form })],
    [
      "a ReadableStream",
      () =>
        ({
          body: new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode("chunk-1;"));
              c.enqueue(new TextEncoder().encode("chunk-2"));
              c.close();
            },
          }),
          duplex: "half",
        }) as RequestInit,
    ],
  ];
  for (const [name, init] of bodies) {
    it(`binds ${name} and delivers exactly the hashed bytes`, async () => {
      const before = h.upstream.requests.length;
      const res = await attestedFetch()(h.url("/v1/upload"), { method: "POST", ...init() });
      assert.equal(res.status, 200, await res.clone().text());
      const seen = h.upstream.requests.slice(before);
      assert.equal(seen.length, 1);
      const release = (await h.readAudit()).filter((r) => r.type === "release").at(-1)!;
      assert.equal(release["binding"], "verified");
      const intent = intents.at(-1)!;
      const sent = seen[0]!;
      assert.equal(
        intent.metadata.body_sha256,
        createHash("sha256").update(sent.body).digest("hex"),
      );
      assert.equal(intent.body_projection?.size_bytes, sent.body.length);
      assert.equal(
        intent.body_projection?.content_type,
        sent.headers["content-type"] ?? "application/octet-stream",
      );
      assert.equal(sent.headers["x-sigil-intent"], undefined);
    });
  }
});
