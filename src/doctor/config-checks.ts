/**
 * The config as the proxy would load it (schema, compile, reserved names), then each trust anchor
 * (key source reachable, key still matching the pinned fingerprint), each bounded in time. The
 * backends are checked per route secret in backend-checks.ts.
 */
import { loadAnchorJwk } from "../attestation/anchor.js";
import { compileConfig } from "../config/compile.js";
import type { HomePaths } from "../config/home.js";
import type { AnchorEntry, ConfigFile } from "../config/schema.js";
import { readConfigFile } from "../config/store.js";
import { toAnchor } from "../config/anchor.js";
import { assertNoProbeNames } from "../probe/names.js";
import { describe, fail, guard, ok, warn, type CheckResult } from "./check.js";

/** Per-anchor and per-backend bound. */
export const REMOTE_CHECK_MS = 10_000;

/** The parsed file when it loads and compiles (for the anchor and backend checks), and the line. */
export function checkConfig(home: HomePaths): { file?: ConfigFile; result: CheckResult } {
  try {
    const file = readConfigFile(home.config);
    compileConfig(file);
    assertNoProbeNames(file);
    const counts = `${file.agents.length} agents, ${file.routes.length} routes, ${file.backends.length} backends, ${file.anchors.length} anchors`;
    return { file, result: ok("config", `${home.config} is valid (${counts})`) };
  } catch (err) {
    return {
      result: fail("config", describe(err), `edit ${home.config} or restore it from a backup`),
    };
  }
}

/**
 * A warning per route that opted out of `binding: required` (spec §5.4): without the intent check
 * an attestation authorises any request on any such route of the agent, not the one it was signed for.
 */
export function checkBindings(file: ConfigFile): CheckResult[] {
  return file.routes
    .filter((r) => r.binding !== "required")
    .map((r) =>
      warn(
        `route ${r.id}`,
        `binding ${r.binding}: X-Sigil-Intent is ${r.binding === "off" ? "never checked" : "checked only when sent"}, so an attestation for any request of agent ${r.agent_id} is accepted on ${r.host}${r.path}`,
        `re-add the route without --binding (required is the default) once its agents send X-Sigil-Intent`,
      ),
    );
}

export function checkAnchor(entry: AnchorEntry): Promise<CheckResult[]> {
  const name = `anchor ${entry.kid}`;
  const source = entry.jwks_url ?? entry.jwks_file ?? "inline JWK";
  return guard(
    name,
    `check that ${source} serves kid ${entry.kid}; if the key was rotated, pin the new one (trust remove, trust add)`,
    REMOTE_CHECK_MS,
    async () => {
      await loadAnchorJwk(toAnchor(entry), { timeoutMs: REMOTE_CHECK_MS - 1000 });
      return [ok(name, `key loads from ${source} and matches ${entry.fingerprint}`)];
    },
  );
}
