/**
 * How the client reaches Vault: an undici ProxyAgent to Vault's listener carrying the agent token,
 * trusting only the Vault CA for the tunnelled TLS (every host behind the proxy presents a Vault
 * leaf). Defaults come from what `sigil-vault run` puts in the environment.
 */
import { readFileSync } from "node:fs";
import { ProxyAgent } from "undici";
import { SigilClientError } from "./errors.js";

/** Where Vault is and how the agent proves who it is; each defaults from the environment. */
export interface VaultProxyOptions {
  /** `http://host:port` of Vault, optionally with `user:token@`; default `$HTTPS_PROXY`. */
  proxy?: string;
  /** The agent's `svt_…` token; default the password in the proxy URL, else `$SIGIL_VAULT_AGENT_TOKEN`. */
  agentToken?: string;
  /** The Vault CA certificate (PEM); default the file `$SIGIL_VAULT_CA`, else `$NODE_EXTRA_CA_CERTS`. */
  ca?: string | Buffer;
  /** Where the defaults come from; default `process.env`. */
  env?: Record<string, string | undefined>;
}

export function createVaultProxy(options: VaultProxyOptions): ProxyAgent {
  const env = options.env ?? process.env;
  const proxyText = options.proxy ?? env["HTTPS_PROXY"] ?? env["https_proxy"];
  if (!proxyText) {
    throw new SigilClientError(
      "ERR_CLIENT_CONFIG",
      "no Vault proxy: pass proxy, or start the agent with sigil-vault run (it sets HTTPS_PROXY)",
    );
  }
  let url: URL;
  try {
    url = new URL(proxyText.includes("://") ? proxyText : `http://${proxyText}`);
  } catch {
    throw new SigilClientError("ERR_CLIENT_CONFIG", "the Vault proxy address is not a URL");
  }
  const token =
    options.agentToken ??
    (url.password !== "" ? decodeURIComponent(url.password) : env["SIGIL_VAULT_AGENT_TOKEN"]);
  if (!token) {
    throw new SigilClientError(
      "ERR_CLIENT_CONFIG",
      "no agent token: pass agentToken, put it in the proxy URL, or set $SIGIL_VAULT_AGENT_TOKEN",
    );
  }
  url.username = "";
  url.password = "";
  return new ProxyAgent({
    uri: url.origin,
    token: `Basic ${Buffer.from(`agent:${token}`).toString("base64")}`,
    requestTls: { ca: vaultCa(options.ca, env) },
  });
}

function vaultCa(given: string | Buffer | undefined, env: Record<string, string | undefined>) {
  if (given !== undefined) return given;
  const file = env["SIGIL_VAULT_CA"] || env["NODE_EXTRA_CA_CERTS"];
  if (!file) {
    throw new SigilClientError(
      "ERR_CLIENT_CONFIG",
      "no Vault CA: pass ca, set $SIGIL_VAULT_CA, or start the agent with sigil-vault run",
    );
  }
  try {
    return readFileSync(file);
  } catch {
    throw new SigilClientError("ERR_CLIENT_CONFIG", `cannot read the Vault CA file ${file}`);
  }
}
