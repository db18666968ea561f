/**
 * `sigil-vault doctor [--probe]`: every health check in one report, one line each, so an operator
 * sees what is wrong and how to fix it. Exit 1 when any check FAILs. The checks live in src/doctor/.
 */
import { splitListen } from "../config/listen.js";
import { checkAudit } from "../doctor/audit-check.js";
import { checkCa } from "../doctor/ca-check.js";
import { formatResult, guard, type CheckResult } from "../doctor/check.js";
import { checkRouteBackends } from "../doctor/backend-checks.js";
import { checkAnchor, checkBindings, checkConfig } from "../doctor/config-checks.js";
import { checkHomePermissions } from "../doctor/home-check.js";
import { runProbe } from "../doctor/probe-check.js";
import { checkProxyReachable, type ProxyAddress } from "../doctor/proxy-check.js";
import { checkReplayStore } from "../doctor/replay-check.js";
import { checkRouteScopes } from "../doctor/route-scope-check.js";
import { findProxy } from "./agent-env.js";
import type { CliContext, Command } from "./command.js";
import { str } from "./command.js";

export const doctorCommand: Command = {
  path: ["doctor"],
  summary: "check the home, CA, config, anchors, backends, audit log and proxy",
  help: `Usage: sigil-vault doctor [--probe] [--proxy HOST:PORT] [--json]

Checks, one line each ("ok", "warn" or "FAIL ... — fix: ..."):
  home        the home, ca/, audit/ and probe/ are 0700 and secret files 0600, owned by you
  ca          the MITM CA loads, its key matches, and it is not expired (warn under 30 days)
  config      config.json parses and compiles as the proxy would load it
  route ID    warn: the route opted out of binding required (optional or off)
  anchor KID  the key source answers and the key still matches the pinned fingerprint
  backend N   can backend N serve each route's secret? Asked of the running proxy (its own
              environment) over its control socket; from doctor's environment only when no
              proxy runs, and then the line says so. One fetch per backend + secret, no values
  replay store  a redis:// store answers and its clock is within 60 s of this host's
  route ID    warns on an aws-sigv4 route with neither --binding required nor --aws-operations
  audit       the whole hash chain verifies; prints the record count and the head hash
  proxy       something listens on the proxy address (a warning without --probe)
--probe also sends one attested request through the running proxy to its built-in echo upstream
and checks injection, header stripping, upstream TLS verification, redaction, replay refusal and
the audit records. The proxy address comes from --proxy, else $SIGIL_VAULT_PROXY, else the config.
Exits 1 when any check fails, 0 otherwise. --json prints an array of
{"check","status","message","fix"}.

Examples:
  sigil-vault doctor
  sigil-vault doctor --probe --proxy 127.0.0.1:10255`,
  options: { probe: { type: "boolean" }, proxy: { type: "string" } },
  async run(ctx, values) {
    const probe = values["probe"] === true;
    const results = await runChecks(ctx, probe, proxyAddress(str(values, "proxy"), ctx));
    if (ctx.json) ctx.out(JSON.stringify(results));
    else for (const r of results) ctx.out(formatResult(r));
    return results.some((r) => r.status === "fail") ? 1 : 0;
  },
};

async function runChecks(
  ctx: CliContext,
  probe: boolean,
  proxy: ProxyAddress,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  out.push(...(await checkHomePermissions(ctx.home)));
  out.push(...(await checkCa(ctx.home, Date.now())));
  const config = checkConfig(ctx.home);
  out.push(config.result);
  const file = config.file;
  if (file) {
    out.push(...checkBindings(file));
    const remote = await Promise.all([
      ...file.anchors.map((a) => checkAnchor(a)),
      checkRouteBackends(ctx.home, file, ctx.env),
      guard("replay store", "check proxy.replay_store and Redis", 5000, () =>
        checkReplayStore(file, ctx.env, Date.now),
      ),
    ]);
    out.push(...remote.flat(), ...checkRouteScopes(file));
  }
  out.push(...(await checkAudit(ctx.home)));
  const reachable = await checkProxyReachable(proxy, probe);
  out.push(...reachable);
  if (probe && reachable.every((r) => r.status === "ok")) {
    out.push(...(await runProbe(ctx.home, proxy, Date.now())));
  }
  return out;
}

function proxyAddress(flag: string | undefined, ctx: CliContext): ProxyAddress {
  const text = findProxy(flag, ctx.home, ctx.env);
  const [host, port] = splitListen(text);
  return { host, port, text };
}
