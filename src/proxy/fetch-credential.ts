/**
 * Just-in-time credential fetch with the backend's own timeout inside the request deadline
 * (spec §7): timeout → 504 ERR_BACKEND_TIMEOUT, anything else → 502 ERR_BACKEND_FAILED. A backend
 * that answers after we gave up (deadline, or the agent hung up) has its credential released
 * (zeroed, lease revoked) the moment it arrives, through the runtime's release tracker.
 */
import { abortError, raceAbort } from "../backends/abort.js";
import type { Credential } from "../backends/backend.js";
import { backendTimeoutMs } from "../backends/options.js";
import type { CompiledRoute } from "../config/compile.js";
import { SigilError } from "../errors.js";
import type { Deadline } from "./deadline.js";
import type { ReleaseTracker } from "./releases.js";
import type { RuntimeState } from "./runtime.js";

export async function fetchCredential(
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
    throw new SigilError("ERR_BACKEND_FAILED", `backend ${route.backend} is not configured`);
  }
  if (deadline.signal.aborted) throw deadline.signal.reason;
  const timeoutMs = backendTimeoutMs(entry?.options ?? {});
  // One controller per fetch, aborted by the backend's own timeout or the request deadline,
  // whichever comes first (AbortSignal.any is avoided: it is slow on Node 20's hot path).
  const controller = new AbortController();
  const tooLate = `backend ${backend.name} did not answer within ${timeoutMs} ms`;
  const timer = setTimeout(
    () => controller.abort(new SigilError("ERR_BACKEND_TIMEOUT", tooLate)),
    timeoutMs,
  );
  const onDeadline = () => controller.abort(deadline.signal.reason);
  deadline.signal.addEventListener("abort", onDeadline, { once: true });
  const signal = controller.signal;
  const owner = { requestId, backend: backend.name };
  const adopt = (late: Promise<Credential>) => releases.adopt(late, owner);
  const pending = Promise.resolve().then(() =>
    backend.fetch(route.secret, {
      signal,
      adopt,
      ...(route.sessionPolicy !== undefined ? { sessionPolicy: route.sessionPolicy } : {}),
    }),
  );
  try {
    return await raceAbort(pending, signal, (reason) => abortError(reason, tooLate));
  } catch (err) {
    // Nobody will use what this fetch yields, now or later: released the moment it arrives.
    adopt(pending);
    if (err instanceof SigilError) throw err;
    throw new SigilError("ERR_BACKEND_FAILED", `backend ${backend.name} failed`);
  } finally {
    clearTimeout(timer);
    deadline.signal.removeEventListener("abort", onDeadline);
  }
}
