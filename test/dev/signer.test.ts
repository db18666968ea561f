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
  host: "api.example.com",
  path: "/v1/chat",
  body_projection: { content_type: "application/json", size_bytes: 2 },
  metadata: { nonce: "n-1", body_sha256: "ab".repeat(32) },
  task_id: "t1",
};
const API_KEY = "sk_sigil_test_abc123";
let key: DevKey;

async function startSigner(t: TestContext, apiKey?: string): Promise<string> {
  const server = createServer(
    createDevSigner({ key, nowMs: () => NOW_MS, ...(apiKey ? { apiKey } : {}) }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function authorize(base: string, body: unknown, apiKey = API_KEY): Promise<Response> {
  return fetch(`${base}/v1/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
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
      request_nonce: "6f1c1d52-7a0e-4a55-9b53-0a1d2f4c8e21",
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-sof-version"), "sigil-attestations-v1");
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body), [
      "status",
      "intent_attestation",
      "decision_record",
      "message",
    ]);
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

    const record = body.decision_record as string;
    const recordHeader = JSON.parse(Buffer.from(record.split(".")[0]!, "base64url").toString());
    assert.deepEqual(recordHeader, { alg: "EdDSA", kid: info.kid, typ: "sof-decision+jws" });
    const recordClaims = JSON.parse(Buffer.from(record.split(".")[1]!, "base64url").toString());
    assert.equal(recordClaims.intentHash, claims.intentHash);
    assert.equal(recordClaims.requestNonce, "6f1c1d52-7a0e-4a55-9b53-0a1d2f4c8e21");
    const ctx = { keys: ring, nowMs: NOW_MS, skewSeconds: 5, agentName: "agent-1" };
    assert.throws(
      () => verifyAttestation(record, ctx),
      (err: unknown) => (err as { code?: string }).code === "ERR_ATTESTATION_INVALID",
      "a decision record is never accepted as an attestation",
    );
  });

  it("serves a JWKS with only the public key", async (t) => {
    const base = await startSigner(t);
    const res = await fetch(`${base}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), devKeyInfo(key).jwks);
  });

  const ok = { agentId: "a", framework: "f", txCommit: pgCommit(INTENT), intent: INTENT };
  const withIntent = (intent: Record<string, unknown>) => ({
    ...ok,
    intent,
    txCommit: pgCommit(intent),
  });
  const badRequests: [string, unknown, number, string][] = [
    ["a body that is not JSON", "agentId=a", 400, "SIGIL_VALIDATION_INVALID_JSON"],
    [
      "duplicate members",
      `{"agentId":"a","agentId":"b","framework":"f","txCommit":"${pgCommit(INTENT)}"}`,
      400,
      "SIGIL_VALIDATION_INVALID_JSON",
    ],
    ["a missing agentId", { ...ok, agentId: undefined }, 400, "SIGIL_VALIDATION_SCHEMA"],
    ["a missing intent", { ...ok, intent: undefined }, 400, "SIGIL_VALIDATION_SCHEMA"],
    ["a numeric framework", { ...ok, framework: 1 }, 400, "SIGIL_VALIDATION_SCHEMA"],
    ["an upper-case framework", { ...ok, framework: "Agent" }, 400, "SIGIL_VALIDATION_SCHEMA"],
    ["a txCommit that is not 64 hex", { ...ok, txCommit: "1234" }, 400, "SIGIL_VALIDATION_SCHEMA"],
    [
      "a 0x-prefixed txCommit",
      { ...ok, txCommit: "0x" + "1".repeat(62) },
      400,
      "SIGIL_VALIDATION_SCHEMA",
    ],
    ["a boolean chainId", { ...ok, chainId: true }, 400, "SIGIL_VALIDATION_SCHEMA"],
    ["a zero chainId", { ...ok, chainId: 0 }, 400, "SIGIL_VALIDATION_SCHEMA"],
    [
      "a request_nonce that is not a UUID",
      { ...ok, request_nonce: "n" },
      400,
      "SIGIL_VALIDATION_SCHEMA",
    ],
    ["an unknown request member", { ...ok, extra: 1 }, 400, "SIGIL_VALIDATION_SCHEMA"],
    [
      "an intent that is an array",
      { ...ok, intent: [], txCommit: pgCommit([]) },
      400,
      "SIGIL_VALIDATION_SCHEMA",
    ],
    [
      "a top-level intent body_sha256 (Sign's intent is closed)",
      withIntent({ ...INTENT, body_sha256: "ab".repeat(32) }),
      400,
      "SIGIL_VALIDATION_SCHEMA",
    ],
    [
      "an intent method Sign does not know",
      withIntent({ ...INTENT, method: "TRACE" }),
      400,
      "SIGIL_VALIDATION_SCHEMA",
    ],
    [
      "an intent whose pgCommit is not txCommit",
      { ...ok, txCommit: "1".repeat(64) },
      400,
      "SIGIL_VALIDATION_TX_COMMIT",
    ],
    [
      "a body over 100 kB",
      { ...ok, context: "x".repeat(101_000) },
      413,
      "SIGIL_VALIDATION_BODY_TOO_LARGE",
    ],
  ];
  for (const [what, body, status, code] of badRequests) {
    it(`answers ${status} ${code} to ${what}`, async (t) => {
      const res = await authorize(await startSigner(t), body);
      assert.equal(res.status, status);
      assert.equal(res.headers.get("x-sof-version"), "sigil-attestations-v1");
      const json = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(json, {
        status: "DENIED",
        error_code: code,
        message: json.message,
        intent_attestation: null,
      });
      assert.equal(typeof json.message, "string");
    });
  }

  const badKeys: [string, string | undefined, string][] = [
    ["no API key", undefined, ""],
    ["a live key where test keys are accepted", undefined, "sk_sigil_live_abc"],
    ["a key that is not Sign's", undefined, "sk_other_abc"],
    ["another key than the configured one", "sk_sigil_live_right", "sk_sigil_live_wrong"],
  ];
  for (const [what, configured, given] of badKeys) {
    it(`answers 401 SIGIL_AUTH_INVALID_TOKEN to ${what}`, async (t) => {
      const res = await authorize(await startSigner(t, configured), ok, given);
      assert.equal(res.status, 401);
      assert.deepEqual(
        ((await res.json()) as Record<string, unknown>).error_code,
        "SIGIL_AUTH_INVALID_TOKEN",
      );
    });
  }

  it("accepts the configured API key", async (t) => {
    const base = await startSigner(t, "sk_sigil_live_right");
    assert.equal((await authorize(base, ok, "sk_sigil_live_right")).status, 200);
  });

  it("answers GET /healthz like Sign", async (t) => {
    const res = await fetch(`${await startSigner(t)}/healthz`);
    assert.deepEqual([res.status, await res.json()], [200, { status: "ok" }]);
  });

  it("answers 404 to unknown paths and 405 to wrong methods", async (t) => {
    const base = await startSigner(t);
    assert.equal((await fetch(`${base}/v1/other`)).status, 404);
    const get = await fetch(`${base}/v1/authorize`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    assert.equal((await fetch(`${base}/.well-known/jwks.json`, { method: "POST" })).status, 405);
  });
});
