/**
 * Spec §5.2, structure, header and key rules: one case per rule, each asserting code and reason.
 * Includes alg confusion (HS256 keyed with the public key, `none`) and unknown / unloaded kids.
 */
import { describe } from "node:test";
import {
  assertRefusals,
  b64,
  createTestGate,
  generateTestKey,
  signHs256,
  signRaw,
  signToken,
  unsecuredToken,
  type RefusalCase,
} from "../helpers/tokens.js";

const { key, ctx, header, claims, valid, withHeader, withClaims, segments } = createTestGate();
const otherKey = generateTestKey("k1");

const refusals: RefusalCase[] = [
  // Structure
  {
    name: "a token longer than 8 KiB is invalid",
    token: async () => await withClaims({ pad: "x".repeat(8200) }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "exceeds 8 KiB",
  },
  {
    name: "a token with two segments is invalid",
    token: async () => (await segments()).slice(0, 2).join("."),
    code: "ERR_ATTESTATION_INVALID",
    reason: "exactly 3 segments",
  },
  {
    name: "a token with four segments is invalid",
    token: async () => (await valid()) + ".AA",
    code: "ERR_ATTESTATION_INVALID",
    reason: "exactly 3 segments",
  },
  {
    name: "a padded header segment is invalid",
    token: async () => {
      const [h, p, s] = await segments();
      return `${h}=.${p}.${s}`;
    },
    code: "ERR_ATTESTATION_INVALID",
    reason: "header segment is not canonical",
  },
  {
    name: "a payload with a '+' character is invalid",
    token: async () => {
      const [h, p, s] = await segments();
      return `${h}.+${p.slice(1)}.${s}`;
    },
    code: "ERR_ATTESTATION_INVALID",
    reason: "payload segment is not canonical",
  },
  {
    name: "a signature containing whitespace is invalid",
    token: async () => {
      const [h, p, s] = await segments();
      return `${h}.${p}.${s.slice(0, 10)} ${s.slice(11)}`;
    },
    code: "ERR_ATTESTATION_INVALID",
    reason: "signature segment is not canonical",
  },
  {
    name: "a signature with non-zero trailing bits is invalid",
    token: async () => {
      const [h, p, s] = await segments();
      return `${h}.${p}.${s.slice(0, -1)}${s.endsWith("B") ? "C" : "B"}`;
    },
    code: "ERR_ATTESTATION_INVALID",
    reason: "signature segment is not canonical",
  },
  // Header
  {
    name: "a header that is not JSON is invalid",
    token: () => `${b64("{alg:EdDSA}")}.${b64("{}")}.${"A".repeat(86)}`,
    code: "ERR_ATTESTATION_INVALID",
    reason: "header is not valid JSON",
  },
  {
    name: "a header that is a JSON array is invalid",
    token: () => `${b64("[]")}.${b64("{}")}.${"A".repeat(86)}`,
    code: "ERR_ATTESTATION_INVALID",
    reason: "header is not a JSON object",
  },
  {
    name: "a header that is not UTF-8 is invalid",
    token: () => `${b64(Buffer.from([0x7b, 0xff, 0x7d]))}.${b64("{}")}.${"A".repeat(86)}`,
    code: "ERR_ATTESTATION_INVALID",
    reason: "header is not valid UTF-8",
  },
  {
    name: "a header with a duplicate alg is invalid",
    token: () =>
      signRaw('{"alg":"EdDSA","kid":"k1","alg":"EdDSA"}', JSON.stringify(claims()), key.privateKey),
    code: "ERR_ATTESTATION_INVALID",
    reason: "header has a duplicate member name",
  },
  {
    name: "alg HS256 MACed with the public key bytes is invalid (alg confusion)",
    token: () =>
      signHs256({ alg: "HS256", kid: "k1" }, claims(), Buffer.from(key.publicJwk.x, "base64url")),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'alg must be "EdDSA"',
  },
  {
    name: "alg none with an empty signature is invalid",
    token: () => unsecuredToken({ alg: "none", kid: "k1" }, claims()),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'alg must be "EdDSA"',
  },
  {
    name: "alg RS256 is invalid",
    token: () => signRaw('{"alg":"RS256","kid":"k1"}', JSON.stringify(claims()), key.privateKey),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'alg must be "EdDSA"',
  },
  {
    name: "alg Ed25519 is invalid (only EdDSA is accepted)",
    token: () => withHeader({ alg: "Ed25519", kid: "k1" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'alg must be "EdDSA"',
  },
  {
    name: "a missing alg is invalid",
    token: () => signRaw('{"kid":"k1"}', JSON.stringify(claims()), key.privateKey),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'alg must be "EdDSA"',
  },
  ...["crit", "jku", "jwk", "x5u", "x5c", "x5t", "b64", "cty", "zip"].map((param): RefusalCase => ({
    name: `a header with "${param}" is invalid`,
    token: () =>
      signRaw(
        JSON.stringify({ ...header, [param]: param === "crit" ? ["exp"] : "x" }),
        JSON.stringify(claims()),
        key.privateKey,
      ),
    code: "ERR_ATTESTATION_INVALID",
    reason: "unsupported parameter",
  })),
  {
    name: "typ other than JWT is invalid (decision records use sof-decision+jws)",
    token: () => withHeader({ ...header, typ: "sof-decision+jws" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: 'typ must be "JWT"',
  },
  {
    name: "a missing kid is invalid",
    token: () => withHeader({ alg: "EdDSA" }),
    code: "ERR_ATTESTATION_INVALID",
    reason: "kid is missing",
  },
  {
    name: "a numeric kid is invalid",
    token: () => signRaw('{"alg":"EdDSA","kid":1}', JSON.stringify(claims()), key.privateKey),
    code: "ERR_ATTESTATION_INVALID",
    reason: "kid is missing",
  },
  // Keys and signature
  {
    name: "an unknown kid is untrusted",
    token: () => withHeader({ alg: "EdDSA", kid: "k-unknown" }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "not a trust anchor",
  },
  {
    name: "an anchored kid whose key is not loaded is untrusted",
    token: () => withHeader({ alg: "EdDSA", kid: "k-unloaded" }),
    code: "ERR_ATTESTATION_UNTRUSTED",
    reason: "anchored but not loaded",
  },
  {
    name: "a signature by another key with the same kid is invalid",
    token: () => signToken(otherKey, claims()),
    code: "ERR_ATTESTATION_INVALID",
    reason: "signature does not verify",
  },
  {
    name: "a payload changed after signing is invalid",
    token: async () => {
      const [h, , s] = await segments();
      return `${h}.${b64(JSON.stringify(claims({ agentId: "agent-1 " })))}.${s}`;
    },
    code: "ERR_ATTESTATION_INVALID",
    reason: "signature does not verify",
  },
  {
    name: "a 63-byte signature is invalid",
    token: async () => {
      const [h, p, s] = await segments();
      return `${h}.${p}.${b64(Buffer.from(s, "base64url").subarray(0, 63))}`;
    },
    code: "ERR_ATTESTATION_INVALID",
    reason: "signature must be 64 bytes",
  },
];

describe("verifyAttestation refuses (structure, header, key, signature)", () =>
  assertRefusals(refusals, ctx));
