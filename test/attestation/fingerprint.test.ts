/**
 * Fingerprint forms of spec §5.1, checked against RFC 8037 Appendix A.3's published Ed25519
 * thumbprint so the expected values do not come from the code under test.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  fingerprintMatches,
  jwkThumbprint,
  parseFingerprint,
  rawKeyFingerprint,
} from "../../src/attestation/fingerprint.js";
import { SigilError } from "../../src/errors.js";

// https://www.rfc-editor.org/rfc/rfc8037#appendix-A.3
const RFC_JWK = {
  kty: "OKP",
  crv: "Ed25519",
  x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
} as const;
const RFC_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
const thumbHex = Buffer.from(RFC_THUMBPRINT, "base64url").toString("hex");
const rawHex = createHash("sha256").update(Buffer.from(RFC_JWK.x, "base64url")).digest("hex");
const OTHER_JWK = {
  kty: "OKP",
  crv: "Ed25519",
  x: Buffer.alloc(32, 7).toString("base64url"),
} as const;

describe("fingerprintMatches", () => {
  const forms: [string, string][] = [
    ["the raw-key SHA-256 in hex", `sha256:${rawHex}`],
    ["the raw-key SHA-256 in upper-case hex", `sha256:${rawHex.toUpperCase()}`],
    ["the RFC 7638 thumbprint in hex", `sha256:${thumbHex}`],
    ["the RFC 7638 thumbprint in base64url", `sha256:${RFC_THUMBPRINT}`],
  ];
  for (const [what, fp] of forms) {
    it(`matches ${what}`, () => assert.equal(fingerprintMatches(RFC_JWK, fp), true));
    it(`does not match another key with ${what}`, () =>
      assert.equal(fingerprintMatches(OTHER_JWK, fp), false));
  }

  it("jwkThumbprint is RFC 8037 A.3's published thumbprint (computed by hand, not by a library)", () =>
    assert.equal(jwkThumbprint(RFC_JWK), RFC_THUMBPRINT));

  it("rawKeyFingerprint is sha256: plus the raw-key hex", () =>
    assert.equal(rawKeyFingerprint(RFC_JWK), `sha256:${rawHex}`));
});

describe("parseFingerprint refuses", () => {
  const bad: [string, string][] = [
    ["a missing sha256: prefix", rawHex],
    ["another algorithm", `sha1:${rawHex.slice(0, 40)}`],
    ["63 hex characters", `sha256:${rawHex.slice(1)}`],
    ["non-hex characters", `sha256:${"g".repeat(64)}`],
    ["a padded base64url thumbprint", `sha256:${RFC_THUMBPRINT}=`],
    ["a base64url value of 31 bytes", `sha256:${Buffer.alloc(31).toString("base64url")}`],
  ];
  for (const [what, fp] of bad) {
    it(what, () =>
      assert.throws(
        () => parseFingerprint(fp),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_TRUST_ANCHOR",
      ),
    );
  }
});
