/**
 * Just-in-time credential fetch with the backend's own timeout inside the request deadline
 * (spec §7): timeout → 504 ERR_BACKEND_TIMEOUT, anything else → 502 ERR_BACKEND_FAILED. A backend
 * that answers after we gave up (deadline, or the agent hung up) has its credential released
 * (zeroed, lease revoked) the moment it arrives, through the runtime's release tracker.
 */
import { abortError } from "../backends/abort.js";
import type { Credential, FetchContext } from "../backends/backend.js";
import { backendTimeoutMs } from "../backends/options.js";
import type { CompiledRoute } from "../config/compile.js";
import { SigilError } from "../errors.js";
import type { Deadline } from "./deadline.js";
import type { ReleaseTracker } from "./releases.js";
import type { RuntimeState } from "./runtime.js";

export function fetchCredential(
  state: RuntimeState,
  route: CompiledRoute,
  deadline: Deadline,
  releases: ReleaseTracker,
  requestId: string,
): Promise<Credential> {
  const backend = state.backends.get(route.backend);
  const entry = state.config.backends.get(route.backend);
  // The built-in probe backend has no config entry (src/probe/setup.ts); it takes default options.
  if (!backend) {
    return Promise.reject(
      new SigilError("ERR_BACKEND_FAILED", `backend ${route.backend} is not configured`),
    );
  }
  if (deadline.reason) return Promise.reject(deadline.reason);
  const timeoutMs = backendTimeoutMs(entry?.options ?? {});
  const tooLate = `backend ${backend.name} did not answer within ${timeoutMs} ms`;
  const owner = { requestId, backend: backend.name };
  const adopt = (late: Promise<Credential>) => releases.adopt(late, owner);
  return new Promise<Credential>((resolve, reject) => {
    let settled = false;
    // The fetch's signal fires on the backend's own timeout or the request deadline, whichever
    // comes first. It is made only if the backend reads it (HTTP clients do; env does not).
    let controller: AbortController | undefined;
    let why: SigilError | undefined;
    let pending: Promise<Credential> | undefined;
    const giveUp = (reason: unknown) => {
      if (settled) return;
      settled = true;
      why = abortError(reason, tooLate);
      cleanup();
      controller?.abort(why);
      if (pending) adopt(pending); // nobody will use what this fetch yields: released the moment it arrives
      reject(why);
    };
    const timer = setTimeout(
      () => giveUp(new SigilError("ERR_BACKEND_TIMEOUT", tooLate)),
      timeoutMs,
    );
    const offDeadline = deadline.onFire(giveUp);
    const cleanup = () => {
      clearTimeout(timer);
      offDeadline();
    };
    const ctx: FetchContext = {
      get signal() {
        if (!controller) {
          controller = new AbortController();
          if (why) controller.abort(why);
        }
        return controller.signal;
      },
      adopt,
      ...(route.sessionPolicy !== undefined ? { sessionPolicy: route.sessionPolicy } : {}),
    };
    try {
      pending = backend.fetch(route.secret, ctx);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (cred) => {
        if (settled) return; // released by adopt()
        settled = true;
        cleanup();
        resolve(cred);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        // A backend's failure or a late lease it hands back goes to adopt() (UnusedLeaseError).
        adopt(Promise.reject(err));
        reject(
          err instanceof SigilError
            ? err
            : new SigilError("ERR_BACKEND_FAILED", `backend ${backend.name} failed`),
        );
      },
    );
  });
}
