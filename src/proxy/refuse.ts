/**
 * Every refusal is audited (spec §9): one `deny` record with the code, the reason and whatever
 * was known about the request, then the error response. The record is awaited (briefly) so that
 * an operator reading the log right after a refusal finds it; if the audit log is down the
 * refusal still goes out — refusing never needs the disk. Past a per-agent rate, refusals are
 * counted into a per-second `deny_summary` instead (deny-summary.ts) and not waited for.
 */
import type { SigilError } from "../errors.js";
import { reportRefusal } from "../observe/request-observation.js";
import type { DenyInfo } from "./deny-info.js";
import type { Runtime } from "./runtime.js";
import { probeMark } from "../probe/mark.js";

const DENY_WAIT_MS = 1000;

/**
 * Writes the `deny` record. Unless `summarized` (the pipeline reports its own, timed summary),
 * the refusal is also reported to the observer and logged as the request's `request` line.
 */
export async function recordDeny(
  rt: Runtime,
  err: SigilError,
  info: DenyInfo,
  opts: { summarized?: boolean } = {},
): Promise<void> {
  const agent = info.agent ? { id: info.agent.id, name: info.agent.name } : undefined;
  if (!rt.denies.admit(agent, err.code, info.replayClaimed === true)) info.aggregated = true;
  if (!opts.summarized) reportRefusal(rt, err, info);
  if (info.aggregated) return;
  const record = {
    type: "deny",
    requestId: info.requestId,
    code: err.code,
    reason: err.reason,
    ...(agent ? { agent } : {}),
    ...(info.route !== undefined ? { route: info.route } : {}),
    ...(info.method !== undefined ? { method: info.method } : {}),
    ...(info.host !== undefined ? { host: info.host } : {}),
    ...(info.path !== undefined ? { path: info.path } : {}),
    ...(info.replayId !== undefined ? { replayId: info.replayId } : {}),
    ...(info.replayClaimed ? { replayClaimed: true } : {}),
    ...(info.exp !== undefined ? { exp: info.exp } : {}),
    ...probeMark(info.agent?.id),
  };
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DENY_WAIT_MS);
  });
  try {
    await Promise.race([rt.audit.append(record, { lazy: true }).then(() => undefined), wait]);
  } catch {
    rt.logger.log("error", "deny record could not be written", { requestId: info.requestId });
  } finally {
    clearTimeout(timer);
  }
}
