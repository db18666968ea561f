/**
 * Can each route's backend serve that route's secret? When a proxy runs on this home, its answer
 * is the one that matters — it has its own environment and login state — so doctor asks it over
 * the control socket (src/control/). Only when no proxy runs does doctor fetch with its own
 * environment, and each line says so. One fetch per distinct backend + secret, never a value.
 */
import { looseBackendFiles } from "../backends/file-modes.js";
import { testFetch } from "../backends/test-fetch.js";
import type { HomePaths } from "../config/home.js";
import { readLockHolder } from "../config/lock-file.js";
import { parseResolveMap } from "../config/resolve.js";
import type { ConfigFile } from "../config/schema.js";
import { askProxyRouteSecrets } from "../control/client.js";
import type { RouteCheck } from "../control/route-checks.js";
import { describe, fail, guard, ok, warn, type CheckResult } from "./check.js";
import { REMOTE_CHECK_MS } from "./config-checks.js";

export async function checkRouteBackends(
  home: HomePaths,
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const b of file.backends) {
    for (const w of looseBackendFiles(b)) out.push(warn(`backend ${b.name}`, w));
    if (!file.routes.some((r) => r.backend === b.name))
      out.push(warn(`backend ${b.name}`, "no route uses it; nothing fetched"));
  }
  const pid = runningProxyPid(home);
  if (pid !== undefined) {
    try {
      const answer = await askProxyRouteSecrets(home, REMOTE_CHECK_MS);
      return [...out, ...answer.routes.map((r) => fromProxy(r, answer.pid))];
    } catch (err) {
      out.push(
        warn(
          "backends",
          `the running proxy (pid ${pid}) did not answer: ${describe(err)}; checking from doctor's own environment instead`,
          "restart the proxy (sigil-vault start) so doctor can ask it",
        ),
      );
    }
  }
  const own = pid === undefined ? "no proxy runs" : "the proxy did not answer";
  return [...out, ...(await Promise.all(groups(file).map((g) => fromOwnEnv(g, file, env, own))))];
}

/** The pid in the proxy lock when that process is alive. */
function runningProxyPid(home: HomePaths): number | undefined {
  const holder = readLockHolder(home.proxyLock);
  if (!holder || holder.pid <= 0) return undefined;
  try {
    process.kill(holder.pid, 0);
    return holder.pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? holder.pid : undefined;
  }
}

function checkName(backend: string, secret: string): string {
  return secret ? `backend ${backend} secret ${secret}` : `backend ${backend}`;
}

function testCommand(backend: string, secret: string): string {
  return `sigil-vault backends test --name ${backend}${secret ? ` --secret ${secret}` : ""}`;
}

function describeFields(fields: { name: string; bytes: number }[]): string {
  return fields.map((f) => `${f.name} ${f.bytes} bytes`).join(", ");
}

function fromProxy(r: RouteCheck, pid: number): CheckResult {
  const name = checkName(r.backend, r.secret);
  const routes = `route${r.routes.length > 1 ? "s" : ""} ${r.routes.join(", ")}`;
  if (r.ok)
    return ok(
      name,
      `the running proxy (pid ${pid}) fetched it in ${r.durationMs} ms (${describeFields(r.fields)}) for ${routes}`,
    );
  return fail(
    name,
    `the running proxy (pid ${pid}) cannot fetch it for ${routes}: ${r.reason} (${r.code})`,
    `check the proxy's environment and the backend, then ${testCommand(r.backend, r.secret)} with the same environment; see docs/backends.md`,
  );
}

interface Group {
  backend: string;
  secret: string;
}

function groups(file: ConfigFile): Group[] {
  const seen = new Map<string, Group>();
  for (const r of file.routes) {
    const secret = r.secret ?? "";
    seen.set(JSON.stringify([r.backend, secret]), { backend: r.backend, secret });
  }
  return [...seen.values()];
}

async function fromOwnEnv(
  g: Group,
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  why: string,
): Promise<CheckResult> {
  const name = checkName(g.backend, g.secret);
  const entry = file.backends.find((b) => b.name === g.backend);
  if (!entry) return fail(name, "no such backend", `sigil-vault backends add --name ${g.backend}`);
  const where = `checked with doctor's own environment (${why})`;
  const [r] = await guard(
    name,
    `${testCommand(g.backend, g.secret)}; a proxy started with the right environment is asked instead; see docs/backends.md`,
    REMOTE_CHECK_MS,
    async () => {
      const t = await testFetch(entry, g.secret, {
        env,
        resolve: parseResolveMap(file.proxy.resolve ?? {}),
      });
      return [
        ok(
          name,
          `${entry.kind} answered in ${t.durationMs} ms (${describeFields(t.fields)}), ${where}`,
        ),
      ];
    },
  );
  return r!.status === "fail" ? { ...r!, message: `${r!.message}, ${where}` } : r!;
}
