/**
 * Vault's own login token, cached across requests (it is never the injected credential): renewed
 * with `renew-self` once past half its TTL when renewable, replaced by a fresh login when it nears
 * expiry or Vault refuses it. Concurrent requests share one login or renewal in flight.
 */
import type { Logger } from "../../log.js";
import { raceAbort } from "../abort.js";
import { logBackendFailure } from "../log-failure.js";
import { abortError, type VaultHttp } from "./http.js";
import { loginToVault, renewSelf, type VaultLogin } from "./login.js";
import type { VaultSettings } from "./settings.js";

/** A token to use now; `fresh` when it was obtained for this very call. */
export interface SessionToken {
  readonly token: string;
  readonly fresh: boolean;
}

export interface VaultSession {
  /** A usable token; logs in or renews first when needed. Honours `signal` while waiting. */
  token(signal: AbortSignal): Promise<SessionToken>;
  /** Forgets `token` (Vault refused it) so the next `token()` logs in again. */
  invalidate(token: string): void;
}

/** A non-renewable token is replaced once this share of its TTL has passed. */
const REPLACE_AT = 0.9;

interface Cached extends VaultLogin {
  readonly obtainedAtMs: number;
}

export function createVaultSession(
  settings: VaultSettings,
  http: VaultHttp,
  env: NodeJS.ProcessEnv,
  nowMs: () => number,
  logger?: Logger,
): VaultSession {
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;

  const stamp = (login: VaultLogin): Cached => ({ ...login, obtainedAtMs: nowMs() });
  const capped = () => AbortSignal.timeout(settings.timeoutMs);
  const login = () => loginToVault(settings, http, env, capped()).then(stamp);

  /** Renews a renewable token; a renewal that no longer extends its life is treated as final. */
  const renew = async (current: Cached): Promise<Cached> => {
    try {
      const renewed = stamp(await renewSelf(settings, http, current.token, capped()));
      const gained = renewed.obtainedAtMs + renewed.ttlMs - (current.obtainedAtMs + current.ttlMs);
      return gained > 0 ? renewed : { ...renewed, renewable: false };
    } catch (err) {
      logBackendFailure(logger, settings.name, "token renewal (logging in again)", err);
      return login();
    }
  };

  const refresh = (current: Cached | undefined): Promise<Cached> => {
    pending ??= (current ? renew(current) : login())
      .then((next) => (cached = next))
      .finally(() => (pending = undefined));
    return pending;
  };

  return {
    async token(signal) {
      const now = nowMs();
      const current = cached;
      if (current && !pending) {
        const age = now - current.obtainedAtMs;
        const ttl = current.ttlMs;
        if (ttl === 0 || (current.renewable ? age < ttl / 2 : age < ttl * REPLACE_AT)) {
          return { token: current.token, fresh: false };
        }
        if (current.renewable && age < ttl) return raced(refresh(current), signal, settings);
      }
      return raced(pending ?? refresh(undefined), signal, settings);
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

async function raced(
  work: Promise<Cached>,
  signal: AbortSignal,
  settings: VaultSettings,
): Promise<SessionToken> {
  const next = await raceAbort(work, signal, (reason) => abortError(settings, reason));
  return { token: next.token, fresh: true };
}
