/**
 * The Vault HTTP API client (there is no official Node SDK): JSON over node:http(s) with a pooled,
 * verified connection per backend. Trust is the system roots plus `ca_cert` and the process's
 * extra backend roots. Replies are read whole (bounded) into a Buffer the caller zeroes.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { readFile } from "node:fs/promises";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { SigilError } from "../../errors.js";
import { abortError as backendAbortError } from "../abort.js";
import type { ResolveTarget } from "../../config/resolve.js";
import { vaultEndpoint, type VaultEndpoint } from "./endpoint.js";
import type { VaultSettings } from "./settings.js";

/** One call to `<vault_addr>/v1/<path>`. */
export interface VaultCall {
  readonly method: "GET" | "POST" | "PUT";
  /** The API path after `/v1/`, already percent-encoded, optionally with `?query`. */
  readonly path: string;
  readonly token?: string;
  /** Serialised as the JSON request body. */
  readonly body?: unknown;
}

export interface VaultReply {
  readonly status: number;
  /** The raw reply body; may hold secrets — zero it once parsed. */
  readonly body: Buffer;
}

export interface VaultHttp {
  call(call: VaultCall, signal: AbortSignal): Promise<VaultReply>;
  /** Closes pooled connections (tests, benchmarks). */
  close(): void;
}

const MAX_REPLY_BYTES = 1 << 20;

/** What the process gives the client: extra trust roots and address overrides. */
export interface VaultHttpDeps {
  extraCa?: readonly string[];
  resolve?: ReadonlyMap<string, ResolveTarget>;
}

export function createVaultHttp(settings: VaultSettings, deps: VaultHttpDeps): VaultHttp {
  const endpoint = vaultEndpoint(settings.base, deps.resolve);
  let agent: Promise<HttpAgent | HttpsAgent> | undefined;

  const agentFor = () =>
    (agent ??= (async () => {
      const opts = {
        keepAlive: true,
        maxSockets: 64,
        maxFreeSockets: 16,
        scheduling: "lifo" as const,
      };
      if (!endpoint.secure) return new HttpAgent(opts);
      // One SecureContext for the pool: a `ca` list on the agent would be re-joined into the
      // pool key on every request (≈15 ms with the system roots).
      const secureContext = await trustContext(settings, deps.extraCa ?? []);
      return new HttpsAgent({ ...opts, ...(secureContext ? { secureContext } : {}) });
    })().catch((err: unknown) => {
      agent = undefined;
      throw err;
    }));

  return {
    async call(call, signal) {
      const pool = await agentFor();
      return send(settings, endpoint, call, pool, signal);
    },
    close() {
      agent?.then((a) => a.destroy()).catch(() => undefined);
    },
  };
}

async function trustContext(
  settings: VaultSettings,
  extraCa: readonly string[],
): Promise<SecureContext | undefined> {
  const extra = [...extraCa];
  if (settings.caCertFile) {
    try {
      extra.push(await readFile(settings.caCertFile, "utf8"));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        `hashicorp-vault backend ${settings.name}: cannot read ca_cert (${code})`,
      );
    }
  }
  return extra.length ? createSecureContext({ ca: [...rootCertificates, ...extra] }) : undefined;
}

function send(
  settings: VaultSettings,
  endpoint: VaultEndpoint,
  call: VaultCall,
  agent: HttpAgent | HttpsAgent,
  signal: AbortSignal,
): Promise<VaultReply> {
  return new Promise((resolve, reject) => {
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    const headers: Record<string, string> = {
      host: endpoint.hostHeader,
      "x-vault-request": "true",
    };
    if (call.token !== undefined) headers["x-vault-token"] = call.token;
    if (settings.namespace) headers["x-vault-namespace"] = settings.namespace;
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    const options = {
      ...endpoint.connect,
      path: `${endpoint.pathPrefix}/v1/${call.path}`,
      method: call.method,
      headers,
      signal,
    };
    const req =
      agent instanceof HttpsAgent
        ? httpsRequest({ ...options, agent })
        : httpRequest({ ...options, agent });
    req.once("response", (res) => readReply(res, settings, signal).then(resolve, reject));
    req.once("error", (err) => reject(transportError(settings, err, signal)));
    req.end(payload);
  });
}

function readReply(
  res: IncomingMessage,
  settings: VaultSettings,
  signal: AbortSignal,
): Promise<VaultReply> {
  const name = settings.name;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const wipe = () => chunks.forEach((c) => c.fill(0));
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_REPLY_BYTES) {
        wipe();
        res.destroy();
        reject(
          new SigilError("ERR_BACKEND_FAILED", `hashicorp-vault backend ${name}: reply too large`),
        );
      }
    });
    res.once("end", () => {
      const body = Buffer.concat(chunks);
      wipe();
      resolve({ status: res.statusCode ?? 0, body });
    });
    const cutOff = () => {
      wipe();
      reject(
        signal.aborted
          ? abortError(settings, signal.reason)
          : new SigilError("ERR_BACKEND_FAILED", `hashicorp-vault backend ${name}: reply cut off`),
      );
    };
    res.once("error", cutOff);
    res.once("close", () => {
      if (!res.complete) cutOff();
    });
  });
}

/** Socket and TLS failures name their class only; an abort carries the caller's reason. */
function transportError(settings: VaultSettings, err: unknown, signal: AbortSignal): SigilError {
  if (signal.aborted) return abortError(settings, signal.reason);
  const code = (err as NodeJS.ErrnoException).code ?? "error";
  return new SigilError(
    "ERR_BACKEND_FAILED",
    `hashicorp-vault backend ${settings.name}: cannot reach Vault (${code})`,
  );
}

/** The caller's SigilError if it gave one, else a timeout after the backend's own cap. */
export function abortError(settings: VaultSettings, reason: unknown): SigilError {
  return backendAbortError(
    reason,
    `hashicorp-vault backend ${settings.name} did not answer within ${settings.timeoutMs} ms`,
  );
}
