/**
 * Reads a V8 .cpuprofile (as written by `node --cpu-prof`) and lists the functions with the most
 * self time, the first place to look when the proxy's hot path gets slower.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  fn: string;
  where: string;
  ms: number;
  share: number;
}

export function topSelfTime(file: string, limit = 25): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, SelfTime>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    all += dt;
    const where = `${frame.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${frame.lineNumber + 1}`;
    const fn = frame.functionName || "(anonymous)";
    const key = `${fn} ${where}`;
    const t = totals.get(key) ?? { fn, where: frame.url ? where : "", ms: 0, share: 0 };
    t.ms += dt;
    totals.set(key, t);
  });
  const list = [...totals.values()].sort((a, b) => b.ms - a.ms).slice(0, limit);
  for (const t of list) t.share = t.ms / all;
  return list;
}
