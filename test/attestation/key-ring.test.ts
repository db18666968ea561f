/**
 * The key ring: failures are recorded (never thrown) and refuse as untrusted, a key that does not
 * match its pin is never used, refreshes are rate-limited per anchor, KeyObjects are reused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rawKeyFingerprint } from "../../src/attestation/fingerprint.js";
import { createKeyRing, REFRESH_INTERVAL_MS } from "../../src/attestation/keys.js";
import { verifyAttestation } from "../../src/attestation/verify.js";
import { SigilError } from "../../src/errors.js";
import { anchorFor, attestationClaims, generateTestKey, signToken } from "../helpers/tokens.js";

const key = generateTestKey("k1");
const impostor = generateTestKey("k1");

/** A JWKS file source whose content the test swaps, counting reads. */
function fileSource(initial: unknown) {
  const state = { doc: initial as unknown, reads: 0 };
  return {
    state,
    readFile: async () => {
      state.reads++;
      if (state.doc instanceof Error) throw state.doc;
      return Buffer.from(JSON.stringify(state.doc));
    },
  };
}

const anchor = anchorFor(key, {
  fingerprint: rawKeyFingerprint(key.publicJwk),
  jwk: undefined,
  jwksFile: "/jwks",
});

describe("createKeyRing", () => {
  it("never uses a served key that does not match its pinned fingerprint", async () => {
    const src = fileSource({ keys: [impostor.publicJwk] });
    const ring = createKeyRing([anchor], { readFile: src.readFile, nowMs: () => 0 });
    await ring.load();
    assert.equal(ring.get("k1"), undefined);
    assert.equal(ring.isAnchored("k1"), true);
    assert.match(ring.status()[0]?.error ?? "", /does not match the pinned fingerprint/);
    const token = await signToken(impostor, attestationClaims(1000, { agentId: "a" }));
    assert.throws(
      () =>
        verifyAttestation(token, { keys: ring, nowMs: 1_000_000, skewSeconds: 5, agentName: "a" }),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_ATTESTATION_UNTRUSTED",
    );
  });

  it("records a load failure per anchor and still loads the others", async () => {
    const good = generateTestKey("k2");
    const ring = createKeyRing(
      [anchor, anchorFor(good, { fingerprint: rawKeyFingerprint(good.publicJwk) })],
      { readFile: fileSource(new Error("EACCES")).readFile, nowMs: () => 0 },
    );
    await ring.load();
    assert.deepEqual(ring.status(), [
      { kid: "k1", loaded: false, error: "JWKS file could not be read" },
      { kid: "k2", loaded: true },
    ]);
    const token = await signToken(good, attestationClaims(1000, { agentId: "a" }));
    assert.equal(
      verifyAttestation(token, { keys: ring, nowMs: 1_000_000, skewSeconds: 5, agentName: "a" })
        .kid,
      "k2",
    );
  });

  it("refreshes an anchor at most once per 30 s and reuses the KeyObject when the key is unchanged", async () => {
    let now = 0;
    const src = fileSource(new Error("down"));
    const ring = createKeyRing([anchor], { readFile: src.readFile, nowMs: () => now });
    await ring.load();
    assert.equal(src.state.reads, 1);
    src.state.doc = { keys: [key.publicJwk] };
    now = REFRESH_INTERVAL_MS - 1;
    await Promise.all([ring.refresh("k1"), ring.refresh("k1")]);
    assert.equal(src.state.reads, 1, "rate-limited");
    assert.equal(ring.get("k1"), undefined);
    now = REFRESH_INTERVAL_MS;
    await Promise.all([ring.refresh("k1"), ring.refresh("k1")]);
    assert.equal(src.state.reads, 2, "one fetch for concurrent refreshes");
    const first = ring.get("k1");
    assert.ok(first);
    now += REFRESH_INTERVAL_MS;
    await ring.refresh("k1");
    assert.equal(src.state.reads, 3);
    assert.equal(ring.get("k1")?.key, first.key, "same KeyObject");
  });

  it("keeps the pinned key when a refresh fails", async () => {
    let now = 0;
    const src = fileSource({ keys: [key.publicJwk] });
    const ring = createKeyRing([anchor], { readFile: src.readFile, nowMs: () => now });
    await ring.load();
    src.state.doc = { keys: [impostor.publicJwk] };
    now = REFRESH_INTERVAL_MS;
    await ring.refresh("k1");
    assert.equal(ring.get("k1")?.key.export({ format: "jwk" }).x, key.publicJwk.x);
    assert.deepEqual(ring.status()[0]?.loaded, true);
    assert.match(ring.status()[0]?.error ?? "", /does not match/);
  });

  it("ignores refresh of a kid that is not anchored", async () => {
    const src = fileSource({ keys: [key.publicJwk] });
    const ring = createKeyRing([anchor], { readFile: src.readFile, nowMs: () => 0 });
    await ring.refresh("unknown");
    assert.equal(src.state.reads, 0);
    assert.equal(ring.isAnchored("unknown"), false);
  });

  it("refuses two anchors with the same kid", () =>
    assert.throws(
      () => createKeyRing([anchor, anchor], { nowMs: () => 0 }),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_TRUST_ANCHOR",
    ));
});
