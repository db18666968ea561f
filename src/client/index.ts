/**
 * `sigil-vault/client`: what agent code imports to send attested requests through Vault
 * (docs/agents.md). It ships to agents, so it depends on no proxy-side module.
 */
export { createAttestedFetch, type AttestedFetchOptions } from "./attested-fetch.js";
export { signAuthorizer, type Authorizer, type SignAuthorizerOptions } from "./authorizer.js";
export { SigilClientError, SigilSignError } from "./errors.js";
export { buildHttpIntent, encodeIntentHeader, txCommitOf, type HttpIntent } from "./intent.js";
export type { VaultProxyOptions } from "./vault-proxy.js";
