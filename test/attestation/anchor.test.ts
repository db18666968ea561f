/**
 * resolveAnchorKey (what `trust add` runs): each key source, the fingerprint pin, and the limits on
 * fetching a JWKS (status, redirects, size, time) against a real server on 127.0.0.1:0.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { resolveAnchorKey } from "../../src/attestation/anchor.js";
import { rawKeyFingerprint } from "../../src/attestation/fingerprint.js";
import { SigilError } from "../../src/errors.js";
import { closedPort } from "../helpers/loopback-server.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";
import { anchorFor, generateTestKey } from "../helpers/tokens.js";

const key = generateTestKey("k1");
const other = generateTestKey("k2");
const pinned = rawKeyFingerprint(key.publicJwk);
const jwksBody = JSON.stringify({ keys: [key.publicJwk, other.publicJwk] });

async function serve(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
}

function rejectsWith(reason: string) {
  return (err: unknown) => {
    assert.ok(err instanceof SigilError, "SigilError");
    assert.equal(err.code, "ERR_TRUST_ANCHOR");
    assert.ok(err.reason.includes(reason), `"${err.reason}" should include "${reason}"`);
    return true;
  };
}

describe("resolveAnchorKey loads", () => {
  it("an inline JWK pinned by its raw-key fingerprint", async () => {
    const k = await resolveAnchorKey(anchorFor(key, { fingerprint: pinned }));
    assert.equal(k.export({ format: "jwk" }).x, key.publicJwk.x);
  });

  it("the kid's key from a JWKS file", async (t) => {
    const file = join(await makeTmpDir(t), "jwks.json");
    await writeFile(file, jwksBody);
    const anchor = anchorFor(other, {
      fingerprint: rawKeyFingerprint(other.publicJwk),
      jwk: undefined,
      jwksFile: file,
    });
    const k = await resolveAnchorKey(anchor);
    assert.equal(k.export({ format: "jwk" }).x, other.publicJwk.x);
  });

  it("the kid's key from a JWKS URL on loopback", async (t) => {
    const url = await serve(t, (_req, res) => res.end(jwksBody));
    const k = await resolveAnchorKey(
      anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksUrl: url }),
    );
    assert.equal(k.export({ format: "jwk" }).x, key.publicJwk.x);
  });
});

describe("resolveAnchorKey refuses", () => {
  it("a key that does not match the pinned fingerprint", () =>
    assert.rejects(
      resolveAnchorKey(anchorFor(key, { fingerprint: rawKeyFingerprint(other.publicJwk) })),
      rejectsWith("does not match the pinned fingerprint"),
    ));

  it("an inline JWK whose kid differs from the anchor", () =>
    assert.rejects(
      resolveAnchorKey(anchorFor(key, { kid: "k9", fingerprint: pinned })),
      rejectsWith("differs from anchor kid"),
    ));

  it("an anchor with two key sources", () =>
    assert.rejects(
      resolveAnchorKey(anchorFor(key, { fingerprint: pinned, jwksFile: "/nonexistent" })),
      rejectsWith("exactly one key source"),
    ));

  it("a JWKS without the anchor's kid", async (t) => {
    const url = await serve(t, (_req, res) => res.end(JSON.stringify({ keys: [other.publicJwk] })));
    await assert.rejects(
      resolveAnchorKey(anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksUrl: url })),
      rejectsWith("no key with kid"),
    );
  });

  it("a missing JWKS file", () =>
    assert.rejects(
      resolveAnchorKey(
        anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksFile: "/nonexistent/jwks.json" }),
      ),
      rejectsWith("could not be read"),
    ));

  const urlCases: [string, RequestListener, string][] = [
    [
      "a redirect (not followed)",
      (_req, res) => res.writeHead(302, { location: "/other" }).end(),
      "redirect",
    ],
    ["an HTTP 500", (_req, res) => res.writeHead(500).end(), "HTTP 500"],
    [
      "a declared body over 64 KiB",
      (_req, res) => res.writeHead(200, { "content-length": 70000 }).end("x".repeat(70000)),
      "64 KiB",
    ],
    [
      "a streamed body over 64 KiB",
      (_req, res) => {
        res.write("x".repeat(40000));
        res.end("x".repeat(40000));
      },
      "64 KiB",
    ],
  ];
  for (const [what, handler, reason] of urlCases) {
    it(`a JWKS URL answering with ${what}`, async (t) => {
      const url = await serve(t, handler);
      await assert.rejects(
        resolveAnchorKey(anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksUrl: url })),
        rejectsWith(reason),
      );
    });
  }

  it("a JWKS URL that does not answer within the timeout", async (t) => {
    const url = await serve(t, () => undefined);
    const started = Date.now();
    await assert.rejects(
      resolveAnchorKey(anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksUrl: url }), {
        timeoutMs: 150,
      }),
      rejectsWith("did not answer within 150 ms"),
    );
    assert.ok(Date.now() - started < 2000);
  });

  it("an unreachable JWKS URL, naming the URL and the cause", async () => {
    const port = await closedPort();
    const jwksUrl = `http://127.0.0.1:${port}/jwks.json`;
    await assert.rejects(
      resolveAnchorKey(anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksUrl })),
      rejectsWith(
        `JWKS URL ${jwksUrl} could not be fetched: connect ECONNREFUSED 127.0.0.1:${port}`,
      ),
    );
  });

  it("a JWKS URL's query string is never shown (it may carry a token)", async (t) => {
    const url = await serve(t, (_req, res) => res.writeHead(500).end());
    await assert.rejects(
      resolveAnchorKey(
        anchorFor(key, {
          fingerprint: pinned,
          jwk: undefined,
          jwksUrl: `${url}?access_token=s3cret`,
        }),
      ),
      (err: unknown) => {
        assert.ok(err instanceof SigilError);
        assert.equal(err.reason, `JWKS URL ${url}?… answered HTTP 500`);
        return true;
      },
    );
  });

  const badUrls: [string, string, string][] = [
    ["plain http to a non-loopback host", "http://sign.example.com/jwks.json", "must be https"],
    ["a URL with userinfo", "https://u:p@sign.example.com/jwks.json", "userinfo"],
    ["a relative URL", "/jwks.json", "not a valid URL"],
  ];
  for (const [what, jwksUrl, reason] of badUrls) {
    it(what, () =>
      assert.rejects(
        resolveAnchorKey(anchorFor(key, { fingerprint: pinned, jwk: undefined, jwksUrl })),
        rejectsWith(reason),
      ),
    );
  }
});
