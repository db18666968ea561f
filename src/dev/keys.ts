/**
 * The dev signer's Ed25519 key: a private JWK file (0600) created on first use, so `dev signer` and
 * `dev attest` sign with the same key across runs. Development only; Sigil Sign holds real keys.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { link, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { decodeBase64url } from "../attestation/base64url.js";
import { jwkThumbprint, rawKeyFingerprint } from "../attestation/fingerprint.js";
import { parseJsonObject, StrictJsonError } from "../attestation/strict-json.js";
import { SigilError } from "../errors.js";

/** The key file's content: a private Ed25519 JWK with its key id. */
export interface DevKeyJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  d: string;
  kid: string;
}

/** A loaded dev key. */
export interface DevKey {
  kid: string;
  jwk: DevKeyJwk;
  privateKey: KeyObject;
}

/** Public facts about a dev key: what `trust add` needs and what the JWKS endpoint serves. */
export interface DevKeyInfo {
  kid: string;
  /** `sha256:` + hex SHA-256 of the raw public key. */
  fingerprint: string;
  publicJwk: { kty: "OKP"; crv: "Ed25519"; x: string; kid: string; use: "sig"; alg: "EdDSA" };
  jwks: { keys: DevKeyInfo["publicJwk"][] };
}

/** Loads the key at `path`, or creates it (0600, parent directory 0700) if the file does not exist. */
export async function loadOrCreateDevKey(path: string): Promise<DevKey> {
  try {
    return await loadDevKey(path);
  } catch (err) {
    if (!(err instanceof SigilError && err.code === "ERR_NOT_FOUND")) throw err;
  }
  const { privateKey } = generateKeyPairSync("ed25519");
  const exported = privateKey.export({ format: "jwk" }) as { x: string; d: string };
  const kid = devKid(exported.x);
  const jwk: DevKeyJwk = { kty: "OKP", crv: "Ed25519", x: exported.x, d: exported.d, kid };
  if (await publishExclusive(path, JSON.stringify(jwk, null, 2) + "\n")) {
    return { kid, jwk, privateKey };
  }
  return loadDevKey(path); // another process created it first: use theirs
}

/** Reads and validates a dev key file; refuses files readable by group or others. */
export async function loadDevKey(path: string): Promise<DevKey> {
  let text: string;
  try {
    const info = await stat(path);
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      throw new SigilError(
        "ERR_IO",
        `dev key file ${path} is accessible by group or others; chmod 600 it`,
      );
    }
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof SigilError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new SigilError("ERR_NOT_FOUND", `dev key file ${path} does not exist`);
    }
    throw new SigilError("ERR_IO", `dev key file ${path} could not be read`);
  }
  return devKeyFromJwk(parseKeyFile(text, path), path);
}

/** Public JWK, JWKS and fingerprint of a dev key. */
export function devKeyInfo(key: DevKey): DevKeyInfo {
  const publicJwk = {
    kty: "OKP" as const,
    crv: "Ed25519" as const,
    x: key.jwk.x,
    kid: key.kid,
    use: "sig" as const,
    alg: "EdDSA" as const,
  };
  return {
    kid: key.kid,
    fingerprint: rawKeyFingerprint(publicJwk),
    publicJwk,
    jwks: { keys: [publicJwk] },
  };
}

/** "dev-" + the first 12 hex digits of the key's RFC 7638 thumbprint. */
function devKid(x: string): string {
  const thumbprint = jwkThumbprint({ kty: "OKP", crv: "Ed25519", x });
  return "dev-" + Buffer.from(thumbprint, "base64url").toString("hex").slice(0, 12);
}

function parseKeyFile(text: string, path: string): Record<string, unknown> {
  try {
    return parseJsonObject(text);
  } catch (err) {
    if (err instanceof StrictJsonError) throw badKey(path);
    throw err;
  }
}

function devKeyFromJwk(value: Record<string, unknown>, path: string): DevKey {
  const { kty, crv, x, d, kid } = value;
  if (kty !== "OKP" || crv !== "Ed25519" || typeof kid !== "string" || kid.length === 0)
    throw badKey(path);
  if (typeof x !== "string" || decodeBase64url(x)?.length !== 32) throw badKey(path);
  if (typeof d !== "string" || decodeBase64url(d)?.length !== 32) throw badKey(path);
  const jwk: DevKeyJwk = { kty, crv, x, d, kid };
  const privateKey = createPrivateKey({ key: { ...jwk }, format: "jwk" });
  // The stored public half must be the one derived from `d`, or the JWKS would not verify our tokens.
  const derived = createPublicKey(privateKey).export({ format: "jwk" }) as { x: string };
  if (derived.x !== x) throw badKey(path);
  return { kid, jwk, privateKey };
}

/** Writes a new 0600 file and links it into place only if `path` does not exist yet. */
async function publishExclusive(path: string, content: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(tmp, "wx", 0o600);
  try {
    await file.writeFile(content, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new SigilError("ERR_IO", `dev key file ${path} could not be written`);
  } finally {
    await unlink(tmp);
  }
}

function badKey(path: string): SigilError {
  return new SigilError(
    "ERR_CONFIG_INVALID",
    `dev key file ${path} is not a private Ed25519 JWK with a kid`,
  );
}
