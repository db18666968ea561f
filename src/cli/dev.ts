/**
 * `sigil-vault dev signer|attest|keygen` (spec §12): a local stand-in for Sigil Sign, for demos
 * and tests. Never use a dev key in production.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { bindServer } from "../bind-server.js";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { loadDevKey, loadOrCreateDevKey, devKeyInfo } from "../dev/keys.js";
import { createDevSigner } from "../dev/signer.js";
import { makeDevAttestation } from "../dev/attest.js";
import type { Command } from "./command.js";
import { str } from "./command.js";
import { toJson } from "./output.js";
import { required } from "./require.js";
import { splitListen } from "../config/listen.js";
import { SigilError } from "../errors.js";

const signer: Command = {
  path: ["dev", "signer"],
  summary: "run a local Sigil Sign stand-in (JWKS + /v1/authorize)",
  help: `Usage: sigil-vault dev signer [--listen 127.0.0.1:10256] [--key FILE] [--api-key-file FILE] [--json]

Serves GET /.well-known/jwks.json, GET /healthz and POST /v1/authorize (Sigil Sign's API: Bearer
API key, closed request schema, ALLOWED or DENIED with a SIGIL_* code) signing intent
attestations with FILE (default <home>/dev-signer.jwk, created 0600 if missing). It accepts any
sk_sigil_test_… API key, or only the key in --api-key-file.
Prints the kid, fingerprint and the "trust add" command to pin it.

Example:
  sigil-vault dev signer &
  sigil-vault trust add --kid <kid> --fingerprint <fingerprint>`,
  options: {
    listen: { type: "string" },
    key: { type: "string" },
    "api-key-file": { type: "string" },
  },
  async run(ctx, values) {
    const apiKeyFile = str(values, "api-key-file");
    const apiKey = apiKeyFile !== undefined ? readApiKey(apiKeyFile) : undefined;
    const key = await loadOrCreateDevKey(
      str(values, "key") ?? join(ctx.home.root, "dev-signer.jwk"),
    );
    const info = devKeyInfo(key);
    const [host, port] = splitListen(str(values, "listen") ?? "127.0.0.1:10256");
    const server = createServer(createDevSigner({ key, ...(apiKey ? { apiKey } : {}) }));
    await bindServer(server, host, port, "the dev signer");
    const addr = server.address() as AddressInfo;
    const jwksUrl = `http://${addr.address}:${addr.port}/.well-known/jwks.json`;
    if (ctx.json)
      ctx.out(
        toJson({
          kid: info.kid,
          fingerprint: info.fingerprint,
          jwksUrl,
          listen: `${addr.address}:${addr.port}`,
        }),
      );
    else {
      ctx.out(`dev signer listening on http://${addr.address}:${addr.port}`);
      ctx.out(`  kid:         ${info.kid}`);
      ctx.out(`  fingerprint: ${info.fingerprint}`);
      ctx.out(
        `  pin it:      sigil-vault trust add --kid ${info.kid} --fingerprint ${info.fingerprint} --jwks-url ${jwksUrl}`,
      );
    }
    await ctx.stopSignal;
    server.closeAllConnections();
    server.close();
    return 0;
  },
};

function readApiKey(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    throw new SigilError("ERR_USAGE", `cannot read API key file ${file}`);
  }
  if (!/^sk_sigil_[A-Za-z0-9_-]+$/.test(text)) {
    throw new SigilError("ERR_USAGE", "the API key file does not hold an sk_sigil_ key");
  }
  return text;
}

const attest: Command = {
  path: ["dev", "attest"],
  summary: "print X-Sigil-Attestation (and X-Sigil-Intent) header values",
  help: `Usage: sigil-vault dev attest --key FILE --agent NAME [--method M --url URL] [--body-sha256 HEX] [--json]

Signs one attestation for agent NAME with the dev key. With --method and --url the token is bound
to that request and an X-Sigil-Intent value is printed too; routes need both unless they were
added with --binding optional or off. Output is ready for curl -H @file.

Example:
  sigil-vault dev attest --key dev.jwk --agent agent-1 --method GET --url https://api.example.com/v1/models > h.txt
  curl -H @h.txt -x http://x:$TOKEN@127.0.0.1:10255 --cacert ca.crt https://api.example.com/v1/models`,
  options: {
    key: { type: "string" },
    agent: { type: "string" },
    method: { type: "string" },
    url: { type: "string" },
    "body-sha256": { type: "string" },
  },
  async run(ctx, values) {
    const key = await loadDevKey(required(values, "key"));
    const method = str(values, "method");
    const url = str(values, "url");
    const body = str(values, "body-sha256");
    const att = makeDevAttestation({
      key,
      agentName: required(values, "agent"),
      ...(method !== undefined ? { method } : {}),
      ...(url !== undefined ? { url } : {}),
      ...(body !== undefined ? { bodySha256: body } : {}),
      nowMs: Date.now(),
    });
    if (!att.intent) {
      ctx.err(
        "warning: without --method and --url the token is bound to no request; routes with binding required (the default) refuse it",
      );
    }
    if (ctx.json)
      ctx.out(
        toJson({ attestation: att.attestation, ...(att.intent ? { intent: att.intent } : {}) }),
      );
    else {
      ctx.out(`X-Sigil-Attestation: ${att.attestation}`);
      if (att.intent) ctx.out(`X-Sigil-Intent: ${att.intent}`);
    }
    return 0;
  },
};

const keygen: Command = {
  path: ["dev", "keygen"],
  summary: "create (or show) a dev signing key and print its kid and fingerprint",
  help: `Usage: sigil-vault dev keygen --key FILE [--json]

Creates FILE (a private Ed25519 JWK, 0600) if missing and prints kid, fingerprint and public JWK.

Example:
  sigil-vault dev keygen --key ./signer.jwk --json`,
  options: { key: { type: "string" } },
  async run(ctx, values) {
    const info = devKeyInfo(await loadOrCreateDevKey(required(values, "key")));
    if (ctx.json)
      ctx.out(toJson({ kid: info.kid, fingerprint: info.fingerprint, jwk: info.publicJwk }));
    else {
      ctx.out(`kid:         ${info.kid}`);
      ctx.out(`fingerprint: ${info.fingerprint}`);
      ctx.out(`public jwk:  ${JSON.stringify(info.publicJwk)}`);
    }
    return 0;
  },
};

export const devCommands = [signer, attest, keygen];
