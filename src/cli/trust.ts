/**
 * `sigil-vault trust add|list|remove` — pinned signer keys (spec §5.1). `add` fetches the key
 * from its source and refuses to pin it unless it matches the fingerprint.
 */
import { resolve } from "node:path";
import { resolveAnchorKey } from "../attestation/keys.js";
import { toAnchor } from "../config/anchor.js";
import type { AnchorEntry } from "../config/schema.js";
import { SigilError } from "../errors.js";
import type { Command } from "./command.js";
import { list, str } from "./command.js";
import { changeConfig, readConfig } from "./config-io.js";
import { formatTable, toJson } from "./output.js";
import { required } from "./require.js";

/** Used when no key source is given: `$SIGIL_SIGN_JWKS_URL`, else the local dev signer. */
export const DEFAULT_JWKS_URL = "http://127.0.0.1:10256/.well-known/jwks.json";

const add: Command = {
  path: ["trust", "add"],
  summary: "pin a Sigil Sign signing key (kid + fingerprint)",
  help: `Usage: sigil-vault trust add --fingerprint sha256:<hex> --kid KID
         [--jwks-url URL | --jwks-file FILE | --jwk JSON] [--issuer ISS]... [--audience AUD] [--json]

The key with this kid is loaded from its source now and must match the fingerprint (SHA-256 of
the raw Ed25519 key, or its RFC 7638 thumbprint in hex or base64url), else nothing is pinned.
Without a source, the JWKS at $SIGIL_SIGN_JWKS_URL is used, else ${DEFAULT_JWKS_URL}
(the local dev signer). --issuer defaults to sigil-core (repeat or comma-separate for more),
--audience to sigil-sign.

Examples:
  sigil-vault trust add --fingerprint "sha256:9f2c..." --kid "sign-2026-01" \\
      --jwks-url https://sign.example.com/.well-known/jwks.json
  sigil-vault trust add --fingerprint "sha256:9f2c..." --kid dev-1 --jwks-file ./jwks.json`,
  options: {
    fingerprint: { type: "string" },
    kid: { type: "string" },
    "jwks-url": { type: "string" },
    "jwks-file": { type: "string" },
    jwk: { type: "string" },
    issuer: { type: "string", multiple: true },
    audience: { type: "string" },
  },
  async run(ctx, values) {
    const kid = required(values, "kid");
    const fingerprint = required(values, "fingerprint");
    const sources = ["jwks-url", "jwks-file", "jwk"].filter((s) => str(values, s) !== undefined);
    if (sources.length > 1) {
      throw new SigilError("ERR_USAGE", "give at most one of --jwks-url, --jwks-file, --jwk");
    }
    const issuers = list(values, "issuer")
      .flatMap((i) => i.split(",").map((s) => s.trim()))
      .filter(Boolean);
    const entry: AnchorEntry = {
      kid,
      fingerprint,
      issuers: issuers.length ? [...new Set(issuers)] : ["sigil-core"],
      audience: str(values, "audience") ?? "sigil-sign",
      ...keySource(values, ctx.env),
    };
    await resolveAnchorKey(toAnchor(entry));
    await changeConfig(ctx, (cfg) => {
      if (cfg.anchors.some((a) => a.kid === kid)) {
        throw new SigilError(
          "ERR_CONFLICT",
          `an anchor with kid ${kid} already exists; remove it first`,
        );
      }
      cfg.anchors.push(entry);
    });
    ctx.out(ctx.json ? toJson(anchorView(entry)) : `Trusted key ${kid} (${fingerprint})`);
    return 0;
  },
};

function keySource(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Partial<AnchorEntry> {
  const url = values["jwks-url"];
  const file = values["jwks-file"];
  const jwk = values["jwk"];
  if (typeof file === "string") return { jwks_file: resolve(file) };
  if (typeof jwk === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(jwk);
    } catch {
      throw new SigilError("ERR_USAGE", "--jwk must be a JSON object");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new SigilError("ERR_USAGE", "--jwk must be a JSON object");
    }
    if ("d" in parsed)
      throw new SigilError("ERR_USAGE", "--jwk must be a public key (it has a private part)");
    return { jwk: parsed as Record<string, unknown> };
  }
  return {
    jwks_url: typeof url === "string" ? url : (env["SIGIL_SIGN_JWKS_URL"] ?? DEFAULT_JWKS_URL),
  };
}

function anchorView(e: AnchorEntry) {
  const source = e.jwks_url
    ? `jwks-url ${e.jwks_url}`
    : e.jwks_file
      ? `jwks-file ${e.jwks_file}`
      : "jwk (inline)";
  return {
    kid: e.kid,
    fingerprint: e.fingerprint,
    issuers: e.issuers,
    audience: e.audience,
    source,
  };
}

const listCmd: Command = {
  path: ["trust", "list"],
  summary: "list pinned signer keys",
  help: `Usage: sigil-vault trust list [--json]

Lists each pinned anchor: kid, fingerprint, issuers, audience and key source.

Example:
  sigil-vault trust list --json`,
  options: {},
  async run(ctx) {
    const anchors = readConfig(ctx).anchors.map(anchorView);
    if (ctx.json) ctx.out(toJson(anchors));
    else {
      const rows = anchors.map((a) => [
        a.kid,
        a.fingerprint,
        a.issuers.join(","),
        a.audience,
        a.source,
      ]);
      ctx.out(formatTable(["KID", "FINGERPRINT", "ISSUERS", "AUDIENCE", "SOURCE"], rows));
    }
    return 0;
  },
};

const remove: Command = {
  path: ["trust", "remove"],
  summary: "unpin a signer key; its attestations are refused from then on",
  help: `Usage: sigil-vault trust remove --kid KID [--json]

A running proxy stops accepting attestations signed by KID within 1 s.

Example:
  sigil-vault trust remove --kid signer-2026-01`,
  options: { kid: { type: "string" } },
  async run(ctx, values) {
    const kid = required(values, "kid");
    await changeConfig(ctx, (cfg) => {
      const i = cfg.anchors.findIndex((a) => a.kid === kid);
      if (i < 0) throw new SigilError("ERR_NOT_FOUND", `no anchor with kid ${kid}`);
      cfg.anchors.splice(i, 1);
    });
    ctx.out(ctx.json ? toJson({ kid, removed: true }) : `Key ${kid} no longer trusted`);
    return 0;
  },
};

export const trustCommands = [add, listCmd, remove];
