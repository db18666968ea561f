/**
 * `dev attest` output: with a method and URL the token and X-Sigil-Intent bind the exact request;
 * without them the token is valid but unbound. Each call differs (random intent nonce).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { publicKeyFromJwk } from "../../src/attestation/anchor.js";
import { checkIntentBinding } from "../../src/attestation/binding.js";
import { verifyAttestation, type VerifyContext } from "../../src/attestation/verify.js";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { authorizeRequest } from "../../src/dev/sign-schema.js";
import { devKeyInfo, loadOrCreateDevKey, type DevKey } from "../../src/dev/keys.js";
import { SigilError } from "../../src/errors.js";
import { staticKeys } from "../helpers/tokens.js";

const NOW_MS = 1_750_000_000_000;
const URL_ = "https://api.example.com/v1/chat?x=1";
let key: DevKey;
let ctx: VerifyContext;

describe("makeDevAttestation", () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sigil-dev-"));
    key = await loadOrCreateDevKey(join(dir, "key.json"));
    const info = devKeyInfo(key);
    const anchor = {
      kid: info.kid,
      fingerprint: info.fingerprint,
      issuers: ["sigil-core"],
      audience: "sigil-sign",
      jwk: info.publicJwk,
    };
    ctx = {
      keys: staticKeys([{ kid: info.kid, key: publicKeyFromJwk(info.publicJwk), anchor }]),
      nowMs: NOW_MS,
      skewSeconds: 5,
      agentName: "agent-1",
    };
  });

  it("binds method, URL and body hash through the returned intent", () => {
    const body = createHash("sha256").update("{}").digest("hex");
    const out = makeDevAttestation({
      key,
      agentName: "agent-1",
      method: "post",
      url: URL_,
      bodySha256: body,
      nowMs: NOW_MS,
    });
    assert.ok(out.intent);
    const att = verifyAttestation(out.attestation, ctx);
    const intent = JSON.parse(Buffer.from(out.intent, "base64url").toString()) as Record<
      string,
      string
    >;
    assert.equal(intent.method, "POST");
    const signRequest = { agentId: "a", framework: "f", txCommit: out.txCommit, intent };
    assert.equal(authorizeRequest.safeParse(signRequest).success, true, "Sign's intent schema");
    assert.deepEqual(
      checkIntentBinding(out.intent, att, { method: "POST", url: URL_ }, "required"),
      { result: "verified", bodySha256: body },
    );
    assert.throws(
      () =>
        checkIntentBinding(
          out.intent,
          att,
          { method: "POST", url: "https://api.example.com/v1/other?x=1" },
          "required",
        ),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_ATTESTATION_MISMATCH",
    );
  });

  it("without method and URL gives a valid unbound token and no intent", () => {
    const out = makeDevAttestation({ key, agentName: "agent-1", nowMs: NOW_MS });
    assert.equal(out.intent, undefined);
    const att = verifyAttestation(out.attestation, ctx);
    assert.deepEqual(checkIntentBinding(undefined, att, { method: "GET", url: URL_ }, "optional"), {
      result: "absent",
    });
  });

  it("gives a different token on each call and a fixed one for a fixed nonce", () => {
    const a = makeDevAttestation({
      key,
      agentName: "agent-1",
      method: "GET",
      url: URL_,
      nowMs: NOW_MS,
    });
    const b = makeDevAttestation({
      key,
      agentName: "agent-1",
      method: "GET",
      url: URL_,
      nowMs: NOW_MS,
    });
    assert.notEqual(a.attestation, b.attestation);
    const c = makeDevAttestation({ key, agentName: "agent-1", nonce: "n", nowMs: NOW_MS });
    const d = makeDevAttestation({ key, agentName: "agent-1", nonce: "n", nowMs: NOW_MS });
    assert.equal(c.attestation, d.attestation);
  });

  const usage: [string, Partial<Parameters<typeof makeDevAttestation>[0]>][] = [
    ["a method without URL", { method: "GET" }],
    ["a URL without method", { url: URL_ }],
    ["a body hash without method and URL", { bodySha256: "a".repeat(64) }],
    ["a body hash that is not hex", { method: "GET", url: URL_, bodySha256: "zz" }],
    ["a relative URL", { method: "GET", url: "/v1" }],
    ["a method with a space", { method: "G ET", url: URL_ }],
  ];
  for (const [what, opts] of usage) {
    it(`refuses ${what} as a usage error`, () =>
      assert.throws(
        () => makeDevAttestation({ key, agentName: "agent-1", nowMs: NOW_MS, ...opts }),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
      ));
  }
});
