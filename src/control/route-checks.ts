/**
 * What `doctor` needs to know from a running proxy: can each route's backend serve that route's
 * secret right now, with the proxy's own environment and login state? One real fetch per distinct
 * backend + secret (several routes often share one), described as `backends test` does — field
 * names and byte lengths, never a value — and released at once.
 */
import { backendTimeoutMs } from "../backends/options.js";
import { describeFetch } from "../backends/test-fetch.js";
import type { RuntimeState } from "../proxy/runtime.js";
import { SigilError } from "../errors.js";
import { PROBE_BACKEND } from "../probe/names.js";

/** One backend + secret pair and the routes that use it. */
export type RouteCheck = {
  backend: string;
  kind: string;
  secret: string;
  routes: string[];
} & (
  | { ok: true; durationMs: number; fields: { name: string; bytes: number }[] }
  | { ok: false; code: string; reason: string }
);

export async function checkRouteSecrets(state: RuntimeState): Promise<RouteCheck[]> {
  const groups = new Map<string, { backend: string; secret: string; routes: string[] }>();
  for (const r of state.config.routeList) {
    if (r.backend === PROBE_BACKEND) continue; // the built-in probe is doctor --probe's business
    const key = JSON.stringify([r.backend, r.secret]);
    const g = groups.get(key) ?? { backend: r.backend, secret: r.secret, routes: [] };
    g.routes.push(r.id);
    groups.set(key, g);
  }
  return Promise.all(
    [...groups.values()].map(async (g): Promise<RouteCheck> => {
      const entry = state.config.backends.get(g.backend);
      const backend = state.backends.get(g.backend);
      const base = { ...g, kind: entry?.kind ?? "unknown" };
      try {
        if (!entry || !backend)
          throw new SigilError("ERR_BACKEND_FAILED", `backend ${g.backend} is not configured`);
        const r = await describeFetch(backend, g.secret, backendTimeoutMs(entry.options));
        return { ...base, ok: true, durationMs: r.durationMs, fields: r.fields };
      } catch (err) {
        const e =
          err instanceof SigilError ? err : new SigilError("ERR_BACKEND_FAILED", "backend failed");
        return { ...base, ok: false, code: e.code, reason: e.reason };
      }
    }),
  );
}
