/**
 * Calls made with the session's token. A 403 on a cached token (revoked, expired early, Vault
 * restarted) gets exactly one fresh login and one retry; a 403 on a token obtained for this call
 * is a real refusal.
 */
import type { VaultCall, VaultHttp, VaultReply } from "./http.js";
import type { VaultSession } from "./session.js";

export interface VaultClient {
  call(call: Omit<VaultCall, "token">, signal: AbortSignal): Promise<VaultReply>;
}

export function createVaultClient(http: VaultHttp, session: VaultSession): VaultClient {
  return {
    async call(call, signal) {
      const first = await session.token(signal);
      const reply = await http.call({ ...call, token: first.token }, signal);
      if (reply.status !== 403 || first.fresh) return reply;
      session.invalidate(first.token);
      const second = await session.token(signal);
      if (second.token === first.token) return reply;
      reply.body.fill(0);
      return http.call({ ...call, token: second.token }, signal);
    },
  };
}
