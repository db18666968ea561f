/**
 * What the page needs beside the raw activity: each route as `host` + `path` (an `rt_…` id alone
 * means nothing to a reader) and each recent request's audit seq, for its `/audit/<seq>` link.
 */
import type { RuntimeConfig } from "../config/compile.js";
import type { ActivitySnapshot } from "./activity.js";
import type { AuditIndex } from "./audit-index.js";

export function labelActivity(a: ActivitySnapshot, cfg: RuntimeConfig, index: AuditIndex) {
  const labels = new Map(cfg.routeList.map((r) => [r.id, `${r.host}${r.path}`]));
  // A route removed since keeps its id as its label.
  const label = (id: string) => (id === "" ? "" : (labels.get(id) ?? id));
  return {
    ...a,
    recent: a.recent.map((r) => ({
      ...r,
      routeLabel: label(r.route),
      seq: index.seqOf(r.requestId) ?? null,
    })),
    routes: a.routes.map((r) => ({ ...r, label: label(r.id) })),
  };
}
