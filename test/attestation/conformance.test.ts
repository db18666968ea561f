/**
 * Conformance with what Sigil Sign really emits: the signed decision-records fixtures and their
 * malformed-JOSE mutations, read in place from ../shared/sigil-vectors (never copied into the repo).
 * Skips with a message when the vectors directory is absent. pg-commit-v1 vectors: pg-commit.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { resolveAnchorKey, type AnchorConfig } from "../../src/attestation/anchor.js";
import { checkIntentBinding } from "../../src/attestation/binding.js";
import { jwkThumbprint, rawKeyFingerprint } from "../../src/attestation/fingerprint.js";
import { createKeyRing } from "../../src/attestation/keys.js";
import { verifyAttestation } from "../../src/attestation/verify.js";
import { SigilError } from "../../src/errors.js";
import { b64 } from "../helpers/tokens.js";
import { skipWithoutFixture } from "../helpers/skip.js";

// dist/test/attestation/ → repo root (the directory holding package.json).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const VECTORS = resolve(repoRoot, "../shared/sigil-vectors");
const present = existsSync(VECTORS);
const SKIP = "../shared/sigil-vectors not present: conformance vectors skipped";

interface Jwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
}
interface DecisionRecords {
  minimumMalformedJoseVectorCount: number;
  publicJwk: Jwk;
  rotationPublicJwk: Jwk;
  context: { txCommit: string; nowUnixSeconds: number };
  tokens: Record<string, string>;
  malformedJoseVectors: { id: string; source: string; mutation: string }[];
}

const load = <T>(name: string): T => JSON.parse(readFileSync(join(VECTORS, name), "utf8")) as T;
const sha256hex = (s: string) => createHash("sha256").update(s, "ascii").digest("hex");
const records = present
  ? load<DecisionRecords>("agent-hooks-rs__contract-fixtures__v1__decision-records.json")
  : undefined;

/** Fixture setup: key ring pinned to the fixture key(s), clock at the fixture's `now`. */
async function fixture(t: TestContext, extraAnchors: Jwk[] = []) {
  if (records === undefined) return t.skip(SKIP);
  const anchor = (jwk: Jwk, fingerprint = rawKeyFingerprint(jwk)): AnchorConfig => ({
    kid: jwk.kid,
    fingerprint,
    issuers: ["sigil-core"],
    audience: "sigil-sign",
    jwk: { ...jwk },
  });
  const ring = createKeyRing(
    [records.publicJwk, ...extraAnchors].map((j) => anchor(j)),
    { nowMs: () => 0 },
  );
  await ring.load();
  const ctx = {
    keys: ring,
    nowMs: records.context.nowUnixSeconds * 1000,
    skewSeconds: 5,
    agentName: "fixture-agent",
  };
  return { r: records, ctx, anchor, ring };
}

function refused(code: string, reason: string) {
  return (err: unknown) => {
    assert.ok(err instanceof SigilError, "SigilError");
    assert.equal(err.code, code);
    assert.ok(err.reason.includes(reason), `"${err.reason}" should include "${reason}"`);
    return true;
  };
}

/** The mutations named in `malformedJoseVectors`, applied to a compact token. */
const MUTATIONS: Record<string, { apply: (token: string) => string; reason: string }> = {
  append_segment: { apply: (t) => `${t}.${t.split(".")[2]}`, reason: "exactly 3 segments" },
  pad_header: {
    apply: (t) => {
      const [h, ...rest] = t.split(".");
      return [h + "=".repeat((4 - ((h as string).length % 4)) % 4 || 1), ...rest].join(".");
    },
    reason: "header segment is not canonical",
  },
  invalid_header_character: {
    apply: (t) => "+" + t.slice(1),
    reason: "header segment is not canonical",
  },
  oversize: {
    apply: (t) => {
      const [h, p, s] = t.split(".");
      return `${h}.${p}${"A".repeat(8192)}.${s}`;
    },
    reason: "exceeds 8 KiB",
  },
  extra_header: {
    apply: (t) => {
      const [h, p, s] = t.split(".");
      const header = JSON.parse(Buffer.from(h as string, "base64url").toString()) as object;
      return `${b64(JSON.stringify({ ...header, x5u: "https://attacker.example/x5u" }))}.${p}.${s}`;
    },
    reason: "unsupported parameter",
  },
  duplicate_header: {
    apply: (t) => {
      const [h, p, s] = t.split(".");
      const text = Buffer.from(h as string, "base64url").toString();
      return `${b64(text.replace("{", '{"alg":"EdDSA",'))}.${p}.${s}`;
    },
    reason: "duplicate member name",
  },
};

describe("Sigil Sign attestation fixtures", { skip: skipWithoutFixture(present, SKIP) }, () => {
  it("tokens.attestation verifies at the fixture clock and binds context.txCommit", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const att = verifyAttestation(f.r.tokens.attestation as string, f.ctx);
    assert.equal(att.agentId, "fixture-agent");
    assert.equal(att.iss, "sigil-core");
    assert.equal(att.kid, "decision-fixture-key-1");
    assert.equal(att.intentHash, sha256hex(f.r.context.txCommit));
    assert.equal(att.intentHash?.slice(0, 8), "3138bb9b");
    assert.equal(att.exp - att.iat, 60);
  });

  it("the fixture key is accepted under all three fingerprint forms", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const thumb = jwkThumbprint(f.r.publicJwk);
    const forms = [
      rawKeyFingerprint(f.r.publicJwk),
      "sha256:" + Buffer.from(thumb, "base64url").toString("hex"),
      "sha256:" + thumb,
    ];
    for (const fp of forms) {
      const key = await resolveAnchorKey(f.anchor(f.r.publicJwk, fp));
      assert.equal(key.export({ format: "jwk" }).x, f.r.publicJwk.x, fp);
    }
    await assert.rejects(
      resolveAnchorKey(f.anchor(f.r.publicJwk, rawKeyFingerprint(f.r.rotationPublicJwk))),
      refused("ERR_TRUST_ANCHOR", "does not match"),
    );
  });

  it("mixed_attestation verifies its signature but does not bind context.txCommit", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const att = verifyAttestation(f.r.tokens.mixed_attestation as string, f.ctx);
    assert.notEqual(att.intentHash, sha256hex(f.r.context.txCommit));
    const intent = b64(
      JSON.stringify({ action: "http", method: "GET", url: "https://a.example/" }),
    );
    assert.throws(
      () =>
        checkIntentBinding(intent, att, { method: "GET", url: "https://a.example/" }, "required"),
      refused("ERR_ATTESTATION_MISMATCH", "intentHash"),
    );
  });

  it("tokens.attestation is expired at exp and refused before iat - skew", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const token = f.r.tokens.attestation as string;
    const now = f.r.context.nowUnixSeconds;
    assert.throws(
      () => verifyAttestation(token, { ...f.ctx, nowMs: (now + 60) * 1000 }),
      refused("ERR_ATTESTATION_EXPIRED", "expired"),
    );
    assert.throws(
      () => verifyAttestation(token, { ...f.ctx, nowMs: (now - 6) * 1000 }),
      refused("ERR_ATTESTATION_EXPIRED", "future"),
    );
  });

  it("tokens.attestation is a mismatch for another agent", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    assert.throws(
      () =>
        verifyAttestation(f.r.tokens.attestation as string, { ...f.ctx, agentName: "other-agent" }),
      refused("ERR_ATTESTATION_MISMATCH", "agentId"),
    );
  });

  it("every decision record (allowed, denied, tampered, expired, wrong_audience, …) is refused as an attestation", async (t) => {
    const f = await fixture(t, [records?.rotationPublicJwk as Jwk]);
    if (!f) return;
    const decisionRecords = Object.keys(f.r.tokens).filter(
      (n) => n !== "attestation" && n !== "mixed_attestation",
    );
    assert.ok(decisionRecords.includes("rotation_allowed") && decisionRecords.length >= 13);
    for (const name of decisionRecords) {
      assert.throws(
        () => verifyAttestation(f.r.tokens[name] as string, f.ctx),
        refused("ERR_ATTESTATION_INVALID", "typ"),
        name,
      );
    }
  });

  it("the rotation key is unknown unless anchored, and is not a substitute for key 1", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const [, p, s] = (f.r.tokens.attestation as string).split(".");
    const header = b64(JSON.stringify({ alg: "EdDSA", kid: f.r.rotationPublicJwk.kid }));
    const token = `${header}.${p}.${s}`;
    assert.throws(
      () => verifyAttestation(token, f.ctx),
      refused("ERR_ATTESTATION_UNTRUSTED", "not a trust anchor"),
    );
    const rotated = await fixture(t, [f.r.rotationPublicJwk]);
    assert.throws(
      () => verifyAttestation(token, rotated!.ctx),
      refused("ERR_ATTESTATION_INVALID", "signature"),
    );
  });

  it("an anchor pinned to the wrong fingerprint never loads the fixture key", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const ring = createKeyRing(
      [f.anchor(f.r.publicJwk, rawKeyFingerprint(f.r.rotationPublicJwk))],
      { nowMs: () => 0 },
    );
    await ring.load();
    assert.throws(
      () => verifyAttestation(f.r.tokens.attestation as string, { ...f.ctx, keys: ring }),
      refused("ERR_ATTESTATION_UNTRUSTED", "not loaded"),
    );
  });

  it("every malformedJoseVectors mutation of tokens.attestation is invalid", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    assert.ok(f.r.malformedJoseVectors.length >= f.r.minimumMalformedJoseVectorCount);
    for (const v of f.r.malformedJoseVectors) {
      const mutation = MUTATIONS[v.mutation];
      assert.ok(mutation, `mutation ${v.mutation} (${v.id}) is implemented`);
      const token = mutation.apply(f.r.tokens.attestation as string);
      assert.throws(
        () => verifyAttestation(token, f.ctx),
        refused("ERR_ATTESTATION_INVALID", mutation.reason),
        v.id,
      );
    }
  });
});
