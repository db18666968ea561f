/**
 * The environment an agent process needs to use Vault: proxy variables carrying its token, and
 * the Vault CA trusted by the common runtimes. `run` starts a command with it; `env` prints it.
 * Runtimes that replace their trust store (Python requests, curl, OpenSSL) get a bundle of the
 * system roots plus the Vault CA, so their other TLS keeps working.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { rootCertificates } from "node:tls";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../config/atomic-write.js";
import type { HomePaths } from "../config/home.js";
import { readConfigFile } from "../config/store.js";
import { DEFAULT_LISTEN } from "../config/compile.js";
import { splitListen } from "../config/listen.js";
import { looseFileWarning } from "../config/file-mode.js";
import { SigilError } from "../errors.js";

const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
];

/** `--proxy`, else $SIGIL_VAULT_PROXY, else the config's listen address, else the default. */
export function findProxy(
  flag: string | undefined,
  home: HomePaths,
  env: NodeJS.ProcessEnv,
): string {
  const chosen = flag ?? env["SIGIL_VAULT_PROXY"] ?? configuredListen(home) ?? DEFAULT_LISTEN;
  const [host, port] = splitListen(chosen.replace(/^https?:\/\//, "").replace(/\/$/, ""));
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `${h.includes(":") ? `[${h}]` : h}:${port}`;
}

function configuredListen(home: HomePaths): string | undefined {
  try {
    return readConfigFile(home.config).proxy.listen;
  } catch {
    return undefined;
  }
}

/** The agent's token from `file` (warning through `warn` when others can read it) or the env. */
export function readAgentToken(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): string {
  const loose = file !== undefined ? looseFileWarning(file, "agent token file") : undefined;
  if (loose) warn(`warning: ${loose}`);
  const token = file !== undefined ? readTokenFile(file) : env["SIGIL_VAULT_AGENT_TOKEN"];
  if (token === undefined || token === "") {
    throw new SigilError(
      "ERR_USAGE",
      "--agent-token-file FILE (or $SIGIL_VAULT_AGENT_TOKEN) is required",
    );
  }
  if (!/^svt_[A-Za-z0-9_-]{43}$/.test(token)) {
    throw new SigilError("ERR_USAGE", "the agent token file does not hold an svt_ token");
  }
  return token;
}

function readTokenFile(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    throw new SigilError("ERR_USAGE", `cannot read agent token file ${file}`);
  }
}

/** The Vault CA an agent trusts, and where its bundle (system roots + that CA) is written. */
export interface AgentCa {
  file: string;
  bundleDir: string;
}

/**
 * `--ca FILE`, else $SIGIL_VAULT_CA, else the home's CA. An agent running as another OS user has
 * no home of its own: it gets the CA file, and its bundle goes to a fresh private temp directory.
 */
export function findAgentCa(
  flag: string | undefined,
  home: HomePaths,
  env: NodeJS.ProcessEnv,
): AgentCa {
  const given = flag ?? (env["SIGIL_VAULT_CA"] || undefined);
  if (given === undefined) {
    if (!existsSync(home.caCert)) {
      throw new SigilError(
        "ERR_CONFIG_INVALID",
        `no Vault CA at ${home.caCert}; give --ca FILE (or $SIGIL_VAULT_CA), or run "sigil-vault init" on this home`,
      );
    }
    return { file: home.caCert, bundleDir: home.caDir };
  }
  const file = resolve(given);
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch {
    throw new SigilError("ERR_IO", `cannot read the Vault CA ${file}`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new SigilError("ERR_CONFIG_INVALID", `the Vault CA ${file} is not a PEM certificate`);
  }
  return { file, bundleDir: mkdtempSync(join(tmpdir(), "sigil-vault-ca-")) };
}

/** Writes `bundle.pem` (system roots + Vault CA) in the CA's bundle directory; returns its path. */
export function writeTrustBundle(ca: AgentCa): string {
  const system = SYSTEM_BUNDLES.find((p) => existsSync(p));
  const roots = system ? readFileSync(system, "utf8") : rootCertificates.join("\n");
  const bundle = join(ca.bundleDir, "bundle.pem");
  writeFileAtomic(bundle, `${roots.trimEnd()}\n${readFileSync(ca.file, "utf8")}`, 0o644);
  return bundle;
}

/** Makes Node's built-in fetch() use the proxy variables (Node 20 ignores them otherwise). */
const FETCH_PRELOAD = fileURLToPath(new URL("../preload/node-fetch-proxy.js", import.meta.url));

/** NODE_OPTIONS with the fetch preload appended, quoted so a path with spaces survives. */
export function nodeOptionsWithPreload(existing: string | undefined): string {
  const flag = `--import "${FETCH_PRELOAD.replace(/(["\\])/g, "\\$1")}"`;
  if (existing === undefined || existing.trim() === "") return flag;
  return existing.includes(flag) ? existing : `${existing} ${flag}`;
}

export function agentEnvironment(
  ca: AgentCa,
  proxy: string,
  token: string,
  inherited: NodeJS.ProcessEnv = {},
): Record<string, string> {
  const bundle = writeTrustBundle(ca);
  const url = `http://agent:${token}@${proxy}`;
  const noProxy = "localhost,127.0.0.1,::1";
  return {
    HTTPS_PROXY: url,
    https_proxy: url,
    HTTP_PROXY: url,
    http_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    NODE_EXTRA_CA_CERTS: ca.file,
    SIGIL_VAULT_CA: ca.file,
    NODE_OPTIONS: nodeOptionsWithPreload(inherited["NODE_OPTIONS"]),
    SSL_CERT_FILE: bundle,
    REQUESTS_CA_BUNDLE: bundle,
    CURL_CA_BUNDLE: bundle,
    GIT_SSL_CAINFO: bundle,
    DENO_CERT: ca.file,
  };
}
