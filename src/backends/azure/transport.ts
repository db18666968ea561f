/**
 * How the Azure SDK pipeline (Key Vault and Entra ID alike) reaches the network. Without extra
 * trust roots or address overrides nothing is changed: the SDK keeps its own agent, the system
 * roots and its HTTPS_PROXY handling. With them, one keep-alive agent trusts the system roots plus
 * the extra CAs (verification stays on) and connects "host:port" to the mapped address while TLS
 * still verifies the original name — the same contract as the proxy's `--resolve`. That agent
 * connects directly: the SDK ignores HTTPS_PROXY for requests that bring their own agent.
 */
import { Agent, type AgentOptions, type RequestOptions } from "node:https";
import type { Duplex } from "node:stream";
import { createSecureContext, rootCertificates } from "node:tls";
import type { ResolveTarget } from "../../config/resolve.js";

/** The subset of the SDK's pipeline options this backend sets. */
export interface AzurePipelineOptions {
  agent?: Agent;
  /** No SDK retries: a just-in-time fetch has a 2 s budget; the agent may retry the request. */
  retryOptions: { maxRetries: number };
}

export function createAzurePipelineOptions(
  extraCa: readonly string[] | undefined,
  resolve: ReadonlyMap<string, ResolveTarget> | undefined,
): AzurePipelineOptions {
  const retryOptions = { maxRetries: 0 };
  if (!extraCa?.length && !resolve?.size) return { retryOptions };
  // One secure context, built once: passing `ca` instead would re-parse every root per connection
  // and put the whole bundle into the agent's pool key on every request.
  const secureContext = createSecureContext({ ca: [...rootCertificates, ...(extraCa ?? [])] });
  return {
    agent: new ResolvingAgent({ keepAlive: true, secureContext }, resolve ?? new Map()),
    retryOptions,
  };
}

class ResolvingAgent extends Agent {
  constructor(
    options: AgentOptions,
    private readonly resolve: ReadonlyMap<string, ResolveTarget>,
  ) {
    super(options);
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.host ?? "";
    const target = this.resolve.get(`${host.toLowerCase()}:${options.port ?? 443}`);
    if (!target) return super.createConnection(options, callback);
    const servername = (options as { servername?: string }).servername || host;
    return super.createConnection(
      { ...options, host: target.host, port: target.port, servername } as RequestOptions,
      callback,
    );
  }
}
