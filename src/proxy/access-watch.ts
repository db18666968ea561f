/**
 * Access that outlives its request: a WebSocket session or a response body streaming to the agent
 * was released for one agent and one route, and must not outlast either. A config reload that
 * revokes or rotates the agent, or removes or changes the route (its fingerprint, see
 * config/route-fingerprint.ts), ends it with `ERR_ACCESS_REVOKED`; `proxy.max_session_ms` ends it
 * with `ERR_SESSION_EXPIRED` however busy it is; shutdown ends what the drain left.
 */
import type { Agent } from "../agents.js";
import type { CompiledRoute, RuntimeConfig } from "../config/compile.js";
import type { OutcomeError } from "../errors.js";

/** The part of the runtime state a watch reads (not RuntimeState itself: runtime.ts holds a watch). */
type RuntimeState = { readonly config: RuntimeConfig };

/** Why access ended: the `outcome` record's `error` and `reason`. */
export interface AccessEnd {
  error: "ERR_ACCESS_REVOKED" | "ERR_SESSION_EXPIRED" | "ERR_SHUTTING_DOWN";
  reason: string;
}

/** One watched session or stream. */
export interface AccessHold {
  /**
   * Stops watching; returns the `outcome` fields: the access end when the watch cut the session
   * (it wins over the error the cut caused), else the session's own error, if any.
   */
  close(own: OutcomeError | undefined): { error?: OutcomeError; reason?: string };
}

export interface AccessWatch {
  /**
   * Watches a session or stream released under `state` (the request's config snapshot); `cut`
   * tears it down (both sockets) when access ends.
   */
  hold(state: RuntimeState, agent: Agent, route: CompiledRoute, cut: () => void): AccessHold;
  /**
   * For access that ends within the current turn (a response already whole in memory), instead
   * of a hold: why the current config no longer grants what `state` released, if it does not.
   */
  check(state: RuntimeState, agent: Agent, route: CompiledRoute): AccessEnd | undefined;
  /** After a reload: ends every hold the new config no longer grants. */
  recheck(state: RuntimeState): void;
  /** Ends every hold still open (shutdown, after the drain). */
  endAll(end: AccessEnd): void;
  /** Open holds, for tests and metrics. */
  readonly size: number;
}

interface Entry {
  agent: Agent;
  route: CompiledRoute;
  end(why: AccessEnd): void;
}

export function createAccessWatch(current: () => RuntimeState): AccessWatch {
  const open = new Set<Entry>();
  const watch: AccessWatch = {
    hold(state, agent, route, cut) {
      let ended: AccessEnd | undefined;
      const entry: Entry = {
        agent,
        route,
        end(why) {
          if (ended) return;
          ended = why;
          finish();
          cut();
        },
      };
      const maxMs = state.config.proxy.maxSessionMs;
      const timer = setTimeout(
        () => entry.end({ error: "ERR_SESSION_EXPIRED", reason: `open longer than ${maxMs} ms` }),
        maxMs,
      );
      timer.unref();
      const finish = () => {
        clearTimeout(timer);
        open.delete(entry);
      };
      open.add(entry);
      // A reload between the release and this hold must not be missed.
      const why = watch.check(state, agent, route);
      if (why) entry.end(why);
      return {
        close(own) {
          finish();
          if (ended) return { ...ended };
          return own !== undefined ? { error: own } : {};
        },
      };
    },
    check(state, agent, route) {
      const now = current();
      return now !== state ? revoked(now, agent, route) : undefined;
    },
    recheck(state) {
      for (const e of [...open]) {
        const why = revoked(state, e.agent, e.route);
        if (why) e.end(why);
      }
    },
    endAll(why) {
      for (const e of [...open]) e.end(why);
    },
    get size() {
      return open.size;
    },
  };
  return watch;
}

/** Why `state` no longer grants what was released for `agent` on `route`, if it does not. */
function revoked(state: RuntimeState, agent: Agent, route: CompiledRoute): AccessEnd | undefined {
  const cfg = state.config;
  let reason: string | undefined;
  if (!cfg.agents.isCurrent(agent)) {
    reason = `agent ${agent.name} was revoked or its token rotated`;
  } else {
    const now = cfg.routeList.find((r) => r.id === route.id);
    if (!now) reason = `route ${route.id} was removed`;
    else if (now.fingerprint !== route.fingerprint) reason = `route ${route.id} was changed`;
  }
  return reason === undefined ? undefined : { error: "ERR_ACCESS_REVOKED", reason };
}
