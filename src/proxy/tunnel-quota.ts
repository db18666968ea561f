/**
 * A per-agent cap on open CONNECT tunnels, so one agent (or one leaked token) cannot use up the
 * proxy's sockets and file descriptors at the expense of every other agent on the host.
 */

/** Open-tunnel counts per agent id; an agent with no open tunnel has no entry. */
export interface TunnelQuota {
  /** Takes a slot for `agentId`; returns the (idempotent) release, or undefined at `max`. */
  acquire(agentId: string, max: number): (() => void) | undefined;
  /** Tunnels `agentId` holds now. */
  count(agentId: string): number;
}

export function createTunnelQuota(): TunnelQuota {
  const open = new Map<string, number>();
  return {
    acquire(agentId, max) {
      const held = open.get(agentId) ?? 0;
      if (held >= max) return undefined;
      open.set(agentId, held + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(agentId) ?? 1) - 1;
        if (left > 0) open.set(agentId, left);
        else open.delete(agentId);
      };
    },
    count: (agentId) => open.get(agentId) ?? 0,
  };
}
