/**
 * Loaded into agent Node processes by `sigil-vault run` (NODE_OPTIONS=--import …): Node 20's
 * built-in fetch() ignores HTTPS_PROXY, so without this a Node agent would bypass Vault (and fail
 * on routed hosts). undici's EnvHttpProxyAgent reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY like curl.
 * The Vault CA reaches fetch through NODE_EXTRA_CA_CERTS, which `run` also sets.
 */
import { EnvHttpProxyAgent, setGlobalDispatcher } from "undici";

setGlobalDispatcher(withoutExperimentalWarning(() => new EnvHttpProxyAgent()));

/**
 * undici warns once per process that EnvHttpProxyAgent is experimental (code UNDICI-EHPA); every
 * agent under `run` would print it. Only that one warning is dropped, only while constructing.
 */
function withoutExperimentalWarning<T>(make: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, ...args: Parameters<typeof emit>) {
    const [, options] = args;
    const code = typeof options === "object" && options !== null ? options.code : undefined;
    if (code === "UNDICI-EHPA") return;
    return emit.apply(this, args);
  } as typeof emit;
  try {
    return make();
  } finally {
    process.emitWarning = emit;
  }
}
