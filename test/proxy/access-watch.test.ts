/**
 * The access watch on its own: what it decides for a hold whose config changed before the hold
 * started, after it, or not at all, and which error the outcome gets when both the watch and the
 * session's own teardown have a reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Agent } from "../../src/agents.js";
import { compileConfig } from "../../src/config/compile.js";
import { emptyConfig, type ConfigFile } from "../../src/config/schema.js";
import { createAccessWatch } from "../../src/proxy/access-watch.js";
import type { RuntimeState } from "../../src/proxy/runtime.js";

const agent: Agent = { id: "agt_aaaaaaaa", name: "a", tokenSha256: "0".repeat(64) };

function state(mutate: (cfg: ConfigFile) => void = () => {}): RuntimeState {
  const cfg = emptyConfig();
  cfg.agents.push({ id: agent.id, name: "a", token_sha256: agent.tokenSha256, created_at: "t" });
  cfg.backends.push({ name: "e", kind: "env", options: {} });
  cfg.routes.push({
    id: "rt_11111111",
    agent_id: agent.id,
    host: "api.example.com",
    path: "/v1/*",
    backend: "e",
    inject: "header:Authorization=Bearer {value}",
    binding: "optional",
  });
  mutate(cfg);
  return { config: compileConfig(cfg) } as RuntimeState;
}

test("a session the config still grants stays open and closes with its own error", () => {
  const s = state();
  const watch = createAccessWatch(() => s);
  let cut = 0;
  const hold = watch.hold(s, agent, s.config.routeList[0]!, () => cut++);
  watch.recheck(state((c) => (c.proxy.idle_timeout_ms = 5000)));
  assert.equal(cut, 0);
  assert.equal(watch.size, 1);
  assert.deepEqual(hold.close("ERR_CLIENT_ABORTED"), { error: "ERR_CLIENT_ABORTED" });
  assert.deepEqual(watch.size, 0);
});

test("a reload that revokes the agent cuts the session, and its reason wins over the cut's error", () => {
  const s = state();
  const watch = createAccessWatch(() => s);
  let cut = 0;
  const hold = watch.hold(s, agent, s.config.routeList[0]!, () => cut++);
  watch.recheck(state((c) => (c.agents[0]!.revoked_at = "2026-01-01T00:00:00Z")));
  watch.recheck(state((c) => (c.agents[0]!.revoked_at = "2026-01-01T00:00:00Z")));
  assert.equal(cut, 1, "cut once");
  assert.deepEqual(hold.close("ERR_CLIENT_ABORTED"), {
    error: "ERR_ACCESS_REVOKED",
    reason: "agent a was revoked or its token rotated",
  });
});

test("a reload applied between the release and the start of the session is caught at the start", () => {
  const released = state();
  const current = state((c) => (c.routes[0]!.methods = ["GET"]));
  const watch = createAccessWatch(() => current);
  let cut = 0;
  const hold = watch.hold(released, agent, released.config.routeList[0]!, () => cut++);
  assert.equal(cut, 1);
  assert.deepEqual(hold.close(undefined), {
    error: "ERR_ACCESS_REVOKED",
    reason: "route rt_11111111 was changed",
  });
});
