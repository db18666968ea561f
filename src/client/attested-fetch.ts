/**
 * `createAttestedFetch`: a standard `fetch` for agent code. Every call — so every SDK retry —
 * builds the intent of that exact request, gets a fresh attestation for it, sends both headers
 * and goes through Vault trusting the Vault CA. Pass it to an SDK as its `fetch` option.
 */
import type { Dispatcher } from "undici";
import { signAuthorizer, type Authorizer, type SignAuthorizerOptions } from "./authorizer.js";
import { SigilSignError } from "./errors.js";
import { buildHttpIntent, encodeIntentHeader, txCommitOf } from "./intent.js";
import { connectRefusal, refusalResponse } from "./refusal.js";
import { DEFAULT_MAX_BODY_BYTES, readBodyLimited } from "./request-body.js";
import { createVaultProxy, type VaultProxyOptions } from "./vault-proxy.js";

export interface AttestedFetchOptions extends VaultProxyOptions {
  /** Where attestations come from; default `signAuthorizer(sign)` (Sign settings from the environment). */
  authorizer?: Authorizer;
  /** Options for the default Sign authorizer. */
  sign?: Omit<SignAuthorizerOptions, "env">;
  /** How to reach Vault; default a ProxyAgent built from the options above. */
  dispatcher?: Dispatcher;
  /** Largest body the client buffers to hash; default 10 MiB (Vault's default limit). */
  maxBodyBytes?: number;
  /**
   * `"response"` (default): Sign's refusals and Vault's CONNECT refusals come back as a Response
   * in Vault's error shape, which SDKs show with status and code. `"throw"`: as SigilSignError /
   * SigilClientError.
   */
  refusals?: "response" | "throw";
}

export function createAttestedFetch(options: AttestedFetchOptions = {}): typeof fetch {
  const env = options.env ?? process.env;
  const dispatcher = options.dispatcher ?? createVaultProxy(options);
  const authorize = options.authorizer ?? signAuthorizer({ ...options.sign, env });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async function attestedFetch(input, init) {
    const request = new Request(input, init);
    const contentType = request.headers.get("content-type") ?? "application/octet-stream";
    const bytes = request.body ? await readBodyLimited(request.body, maxBodyBytes) : undefined;
    const intent = buildHttpIntent({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(bytes ? { body: { bytes, contentType } } : {}),
    });
    const headers = new Headers(request.headers);
    try {
      const token = await authorize({
        intent,
        txCommit: txCommitOf(intent),
        signal: request.signal,
      });
      headers.set("x-sigil-attestation", token);
      headers.set("x-sigil-intent", encodeIntentHeader(intent));
      return await fetch(request.url, {
        method: request.method,
        headers,
        ...(bytes ? { body: bytes } : {}),
        signal: request.signal,
        // Each hop needs its own attestation: a redirect is returned, never followed with this one.
        redirect: "manual",
        dispatcher,
      } as RequestInit);
    } catch (err) {
      if (options.refusals === "throw") throw connectRefusal(err) ?? err;
      if (err instanceof SigilSignError) return refusalResponse(err);
      const refused = connectRefusal(err);
      if (refused) return refusalResponse(refused);
      throw err;
    }
  };
}
