/**
 * Mints attestation-shaped tokens for tests, independently of the product's dev signer: well-formed
 * ones through jose, malformed ones (exact header/payload text, HS256, `none`) with raw node:crypto;
 * plus a ready-made gate and a table runner for the §5.2 refusal cases.
 */
import assert from "node:assert/strict";
import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from "node:crypto";
import { it } from "node:test";
import { CompactSign } from "jose";
import type { AnchorConfig } from "../../src/attestation/anchor.js";
import type { AnchoredKey, KeyLookup } from "../../src/attestation/keys.js";
import { verifyAttestation, type VerifyContext } from "../../src/attestation/verify.js";
import type { DevKey } from "../../src/dev/keys.js";
import { SigilError } from "../../src/errors.js";

/** An Ed25519 key pair with its public JWK. */
export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: { kty: "OKP"; crv: "Ed25519"; x: string; kid: string };
}

export function generateTestKey(kid = "test-key-1"): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const { x } = publicKey.export({ format: "jwk" }) as { x: string };
  return { kid, privateKey, publicKey, publicJwk: { kty: "OKP", crv: "Ed25519", x, kid } };
}

/** Claims in Sigil Sign's attestation shape, issued at `iat` (seconds); overrides win. */
export function attestationClaims(
  iat: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: "sigil-core",
    aud: "sigil-sign",
    agentId: "agent-1",
    framework: "test",
    intentHash: "3138bb9bc78df27c473ecfd1410f7bd45ebac1f59cf3ff9cfe4db77aab7aedd3",
    policyHash: "a".repeat(64),
    provenance: "agent",
    decision: "ALLOWED",
    iat,
    exp: iat + 60,
    ...overrides,
  };
}

/** Signs claims with jose; the header defaults to `{alg:"EdDSA",kid}` and may carry anything. */
export async function signToken(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "EdDSA", kid: key.kid },
): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  return new CompactSign(payload)
    .setProtectedHeader(header as { alg: string })
    .sign(key.privateKey);
}

/** Signs the exact header and payload text with Ed25519 (for duplicate keys, odd JSON, …). */
export function signRaw(headerText: string, payloadText: string, privateKey: KeyObject): string {
  const input = b64(headerText) + "." + b64(payloadText);
  return input + "." + sign(null, Buffer.from(input, "ascii"), privateKey).toString("base64url");
}

/** An HS256 token MACed with `secret` (alg confusion: the secret is the Ed25519 public key bytes). */
export function signHs256(header: object, claims: object, secret: Buffer): string {
  const input = b64(JSON.stringify(header)) + "." + b64(JSON.stringify(claims));
  return input + "." + createHmac("sha256", secret).update(input).digest("base64url");
}

/** An unsecured JWS (`alg: none`, empty signature). */
export function unsecuredToken(header: object, claims: object): string {
  return b64(JSON.stringify(header)) + "." + b64(JSON.stringify(claims)) + ".";
}

export function b64(text: string | Buffer): string {
  return Buffer.from(text).toString("base64url");
}

/** An anchor for `key` with Sign's default issuer and audience. */
export function anchorFor(key: TestKey, overrides: Partial<AnchorConfig> = {}): AnchorConfig {
  return {
    kid: key.kid,
    fingerprint: "sha256:" + "0".repeat(64),
    issuers: ["sigil-core"],
    audience: "sigil-sign",
    jwk: key.publicJwk,
    ...overrides,
  };
}

/** A fixed key lookup: `loaded` keys are usable, `unloaded` kids are anchored but have no key. */
export function staticKeys(loaded: AnchoredKey[], unloaded: string[] = []): KeyLookup {
  const byKid = new Map(loaded.map((k) => [k.kid, k]));
  return {
    get: (kid) => byKid.get(kid),
    isAnchored: (kid) => byKid.has(kid) || unloaded.includes(kid),
  };
}

/** A gate with key "k1" loaded (issuers sigil-core, sigil-core-eu) and "k-unloaded" anchored only. */
export function createTestGate(nowS = 1_700_000_000) {
  const key = generateTestKey("k1");
  const anchor = anchorFor(key, { issuers: ["sigil-core", "sigil-core-eu"] });
  const ctx: VerifyContext = {
    keys: staticKeys(
      [{ kid: "k1", key: createPublicKey({ key: key.publicJwk, format: "jwk" }), anchor }],
      ["k-unloaded"],
    ),
    nowMs: nowS * 1000,
    skewSeconds: 5,
    agentName: "agent-1",
  };
  const header = { alg: "EdDSA", kid: "k1" };
  const claims = (over: Record<string, unknown> = {}) => attestationClaims(nowS, over);
  const valid = () => signToken(key, claims());
  return {
    key,
    ctx,
    header,
    claims,
    valid,
    withHeader: (h: Record<string, unknown>) => signToken(key, claims(), h),
    withClaims: (over: Record<string, unknown>) => signToken(key, claims(over)),
    rawPayload: (payload: string) => signRaw(JSON.stringify(header), payload, key.privateKey),
    segments: async () => (await valid()).split(".") as [string, string, string],
  };
}

/** One refusal rule: the token to present, the code and a substring of the reason it must give. */
export interface RefusalCase {
  name: string;
  token: () => Promise<string> | string;
  code: string;
  reason: string;
  ctx?: Partial<VerifyContext>;
}

/** Asserts every case is refused with its code and reason, and that no reason echoes the token. */
export function assertRefusals(cases: RefusalCase[], ctx: VerifyContext): void {
  for (const c of cases) {
    it(c.name, async () => {
      const token = await c.token();
      assert.throws(
        () => verifyAttestation(token, { ...ctx, ...c.ctx }),
        (err: unknown) => {
          assert.ok(err instanceof SigilError, "throws a SigilError");
          assert.equal(err.code, c.code);
          assert.ok(
            err.reason.includes(c.reason),
            `reason "${err.reason}" should include "${c.reason}"`,
          );
          assert.ok(!err.reason.includes(token.slice(0, 20)), "reason never echoes the token");
          return true;
        },
      );
    });
  }
}

/** One Ed25519 key seen both as the product's DevKey and as the test helpers' TestKey. */
export function makeDualKey(prefix: string): { dev: DevKey; test: TestKey } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const { x, d } = privateKey.export({ format: "jwk" }) as { x: string; d: string };
  const kid = `${prefix}-${randomBytes(4).toString("hex")}`;
  return {
    dev: { kid, privateKey, jwk: { kty: "OKP", crv: "Ed25519", x, d, kid } },
    test: { kid, privateKey, publicKey, publicJwk: { kty: "OKP", crv: "Ed25519", x, kid } },
  };
}
