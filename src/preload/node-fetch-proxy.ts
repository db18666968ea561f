/**
 * Loaded into agent Node processes by `sigil-vault run` (NODE_OPTIONS=--import …): Node 20's
 * built-in fetch() ignores HTTPS_PROXY, so without this a Node agent would bypass Vault (and fail
 * on routed hosts). undici's EnvHttpProxyAgent reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY like curl.
 * The Vault CA reaches fetch through NODE_EXTRA_CA_CERTS, which `run` also sets.
 */
import { EnvHttpProxyAgent, setGlobalDispatcher } from "undici";

setGlobalDispatcher(new EnvHttpProxyAgent());
