/**
 * The request's headers as Vault will forward them: lower-case names, Host and X-Sigil-*
 * excluded. A leaf type shared by the intent checks (attestation/) and the route limits
 * (routing/), so neither layer imports the other.
 */
export type LiveHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;
