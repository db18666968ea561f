/**
 * `dev attest`: mints an attestation (and, with a method and URL, the matching `X-Sigil-Intent`)
 * without running the signer, for scripting with curl. Each call embeds a random nonce in the
 * intent so two calls never produce the same token (Ed25519 signatures are deterministic).
 */
import { randomUUID } from "node:crypto";
import { encodeBase64url } from "../attestation/base64url.js";
import { canonicalize, pgCommit } from "../canonical-json.js";
import { SigilError } from "../errors.js";
import type { DevKey } from "./keys.js";
import { signAttestation } from "./token.js";

/** Inputs of `makeDevAttestation`; `method` and `url` go together. */
export interface DevAttestationOptions {
  key: DevKey;
  /** The agent's name as given to `agents create --name` (the token's `agentId`). */
  agentName: string;
  method?: string;
  /** Absolute http(s) URL the request will go to. */
  url?: string;
  /** Hex SHA-256 of the request body, pinned in the intent (needs method and url). */
  bodySha256?: string;
  /** Intent nonce; default a random UUID. */
  nonce?: string;
  nowMs: number;
}

/** The header values to send: `X-Sigil-Attestation` and, when bound, `X-Sigil-Intent`. */
export interface DevAttestation {
  attestation: string;
  /** Base64url canonical JSON of the intent; only when method and url were given. */
  intent?: string;
  txCommit: string;
}

export const DEV_FRAMEWORK = "sigil-vault-dev";
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * With method and url, the token's intentHash binds `{action:"http", method, url,
 * metadata:{body_sha256?, nonce}}` (Sign's intent schema) and that intent is returned for
 * `X-Sigil-Intent`. Without them the token binds `{action:"http", metadata:{nonce}}` and no
 * intent is returned (usable on routes with binding off/optional).
 */
export function makeDevAttestation(opts: DevAttestationOptions): DevAttestation {
  const nonce = opts.nonce ?? randomUUID();
  if ((opts.method === undefined) !== (opts.url === undefined)) {
    throw new SigilError("ERR_USAGE", "--method and --url must be given together");
  }
  if (opts.method === undefined || opts.url === undefined) {
    if (opts.bodySha256 !== undefined) {
      throw new SigilError("ERR_USAGE", "a body hash needs --method and --url");
    }
    const txCommit = pgCommit({ action: "http", metadata: { nonce } });
    return { attestation: sign(opts, txCommit), txCommit };
  }
  const metadata: Record<string, string> = {};
  if (opts.bodySha256 !== undefined) {
    if (!SHA256_HEX.test(opts.bodySha256))
      throw new SigilError("ERR_USAGE", "body hash must be 64 hex characters");
    metadata.body_sha256 = opts.bodySha256.toLowerCase();
  }
  metadata.nonce = nonce;
  const intent = {
    action: "http",
    method: checkMethod(opts.method),
    url: checkUrl(opts.url),
    metadata,
  };
  const txCommit = pgCommit(intent);
  return {
    attestation: sign(opts, txCommit),
    intent: encodeBase64url(canonicalize(intent)),
    txCommit,
  };
}

function sign(opts: DevAttestationOptions, txCommit: string): string {
  return signAttestation(opts.key, {
    agentId: opts.agentName,
    framework: DEV_FRAMEWORK,
    txCommit,
    iat: Math.floor(opts.nowMs / 1000),
  });
}

function checkMethod(method: string): string {
  if (!METHOD.test(method))
    throw new SigilError("ERR_USAGE", "--method must be an HTTP method token");
  return method.toUpperCase();
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SigilError("ERR_USAGE", "--url must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new SigilError("ERR_USAGE", "--url must be an http or https URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new SigilError("ERR_USAGE", "--url must not carry userinfo");
  }
  return text;
}
