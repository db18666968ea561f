/**
 * The dev signer over real HTTP on 127.0.0.1:0: its JWKS feeds a key ring exactly as a Sign JWKS
 * would, and `/v1/authorize` answers Sign's response shape with tokens the gate accepts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { createKeyRing } from "../../src/attestation/keys.js";
import { verifyAttestation } from "../../src/attestation/verify.js";
import { pgCommit } from "../../src/canonical-json.js";
import { devKeyInfo, loadOrCreateDevKey, type DevKey } from "../../src/dev/keys.js";
import { createDevSigner } from "../../src/dev/signer.js";

const NOW_MS = 1_750_000_000_500;
const INTENT = {
  action: "http",
  method: "POST",
  url: "https://api.example.com/v1/chat",
  task_id: "t1",
};
let key: DevKey;

async function startSigner(t: TestContext): Promise<string> {
  const server = createServer(createDevSigner({ key, nowMs: () => NOW_MS }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function authorize(base: string, body: unknown): Promise<Response> {
  return fetch(`${base}/v1/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("dev signer", () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sigil-dev-"));
    key = await loadOrCreateDevKey(join(dir, "key.json"));
  });

  it("issues Sign-shaped attestations that verify with a key ring loaded from its JWKS URL", async (t) => {
    const base = await startSigner(t);
    const info = devKeyInfo(key);
    const ring = createKeyRing(
      [
        {
          kid: info.kid,
          fingerprint: info.fingerprint,
          issuers: ["sigil-core"],
          audience: "sigil-sign",
          jwksUrl: `${base}/.well-known/jwks.json`,
        },
      ],
      { nowMs: () => NOW_MS },
    );
    await ring.load();
    assert.deepEqual(ring.status(), [{ kid: info.kid, loaded: true }]);

    const txCommit = pgCommit(INTENT);
    const res = await authorize(base, {
      agentId: "agent-1",
      framework: "agent-hooks",
      txCommit,
      intent: INTENT,
      chainId: 1,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-sof-version"), "sigil-attestations-v1");
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body), ["status", "intent_attestation", "message"]);
    assert.equal(body.status, "ALLOWED");

    const token = body.intent_attestation as string;
    const att = verifyAttestation(token, {
      keys: ring,
      nowMs: NOW_MS,
      skewSeconds: 5,
      agentName: "agent-1",
    });
    assert.equal(att.intentHash, createHash("sha256").update(txCommit).digest("hex"));
    const [h, p] = token.split(".") as [string, string];
    assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), {
      alg: "EdDSA",
      kid: info.kid,
    });
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(claims), [
      "iss",
      "aud",
      "agentId",
      "framework",
      "intentHash",
      "policyHash",
      "provenance",
      "decision",
      "iat",
      "exp",
      "kid",
    ]);
    assert.deepEqual(
      {
        iss: claims.iss,
        aud: claims.aud,
        framework: claims.framework,
        provenance: claims.provenance,
        decision: claims.decision,
        iat: claims.iat,
        exp: claims.exp,
      },
      {
        iss: "sigil-core",
        aud: "sigil-sign",
        framework: "agent-hooks",
        provenance: "agent",
        decision: "ALLOWED",
        iat: 1_750_000_000,
        exp: 1_750_000_060,
      },
    );
    assert.match(claims.policyHash as string, /^[0-9a-f]{64}$/);
  });

  it("serves a JWKS with only the public key", async (t) => {
    const base = await startSigner(t);
    const res = await fetch(`${base}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), devKeyInfo(key).jwks);
  });

  const badRequests: [string, unknown, number][] = [
    ["a body that is not JSON", "agentId=a", 400],
    ["a missing agentId", { framework: "f", txCommit: pgCommit(INTENT) }, 400],
    ["a numeric framework", { agentId: "a", framework: 1, txCommit: pgCommit(INTENT) }, 400],
    ["a txCommit that is not 64 hex", { agentId: "a", framework: "f", txCommit: "1234" }, 400],
    [
      "an intent whose pgCommit is not txCommit",
      { agentId: "a", framework: "f", txCommit: "1".repeat(64), intent: INTENT },
      400,
    ],
    [
      "an intent that is an array",
      { agentId: "a", framework: "f", txCommit: pgCommit([]), intent: [] },
      400,
    ],
    [
      "a boolean chainId",
      { agentId: "a", framework: "f", txCommit: pgCommit(INTENT), chainId: true },
      400,
    ],
    [
      "duplicate members",
      `{"agentId":"a","agentId":"b","framework":"f","txCommit":"${pgCommit(INTENT)}"}`,
      400,
    ],
    [
      "a body over 64 KiB",
      { agentId: "a", framework: "f", txCommit: pgCommit(INTENT), pad: "x".repeat(70000) },
      413,
    ],
  ];
  for (const [what, body, status] of badRequests) {
    it(`answers ${status} to ${what}`, async (t) => {
      const res = await authorize(await startSigner(t), body);
      assert.equal(res.status, status);
      const json = (await res.json()) as Record<string, unknown>;
      assert.equal(json.status, "ERROR");
      assert.equal("intent_attestation" in json, false);
    });
  }

  it("answers 404 to unknown paths and 405 to wrong methods", async (t) => {
    const base = await startSigner(t);
    assert.equal((await fetch(`${base}/v1/other`)).status, 404);
    const get = await fetch(`${base}/v1/authorize`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    assert.equal((await fetch(`${base}/.well-known/jwks.json`, { method: "POST" })).status, 405);
  });
});
