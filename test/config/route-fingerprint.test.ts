/**
 * The route fingerprint that open sessions are checked against on reload: the same config gives the
 * same fingerprint, and each thing that decides what a credential can do changes it — route fields,
 * the backend's entry, and the contents (not just the path) of the upstream CA file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileConfig } from "../../src/config/compile.js";
import { emptyConfig, type ConfigFile } from "../../src/config/schema.js";
import { createTestPki } from "../helpers/pki.js";

function config(mutate: (cfg: ConfigFile) => void = () => {}): ConfigFile {
  const cfg = emptyConfig();
  cfg.agents.push({ id: "agt_aaaaaaaa", name: "a", token_sha256: "0".repeat(64), created_at: "t" });
  cfg.backends.push({ name: "e", kind: "env", options: {} });
  cfg.routes.push({
    id: "rt_11111111",
    agent_id: "agt_aaaaaaaa",
    host: "api.example.com",
    path: "/v1/*",
    backend: "e",
    secret: "KEY",
    inject: "header:Authorization=Bearer {value}",
    binding: "optional",
  });
  mutate(cfg);
  return cfg;
}

const fingerprint = (cfg: ConfigFile) => compileConfig(cfg).routeList[0]!.fingerprint;

test("an unchanged route keeps its fingerprint; other routes and proxy settings do not touch it", () => {
  const before = fingerprint(config());
  assert.match(before, /^[0-9a-f]{64}$/);
  assert.equal(fingerprint(config()), before);
  const unrelated = config((c) => {
    c.proxy.idle_timeout_ms = 5000;
    c.routes.push({ ...c.routes[0]!, id: "rt_22222222", path: "/other/*" });
  });
  assert.equal(fingerprint(unrelated), before);
});

test("every field that decides what the credential can do changes the fingerprint", () => {
  const before = fingerprint(config());
  const changes: [string, (c: ConfigFile) => void][] = [
    ["secret", (c) => (c.routes[0]!.secret = "OTHER")],
    ["host", (c) => (c.routes[0]!.host = "api2.example.com")],
    ["path", (c) => (c.routes[0]!.path = "/v2/*")],
    ["methods", (c) => (c.routes[0]!.methods = ["GET"])],
    ["injection", (c) => (c.routes[0]!.inject = "header:X-Key={value}")],
    ["binding", (c) => (c.routes[0]!.binding = "required")],
    ["backend options", (c) => (c.backends[0]!.options = { prefix: "P_" })],
  ];
  for (const [what, change] of changes) {
    assert.notEqual(fingerprint(config(change)), before, what);
  }
});

test("a new upstream CA in the same file changes the fingerprint", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sigil-fp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "ca.pem");
  const withCa = () => config((c) => (c.routes[0]!.upstream_ca = file));
  writeFileSync(file, createTestPki("CA one").caPem);
  const first = fingerprint(withCa());
  assert.equal(fingerprint(withCa()), first);
  writeFileSync(file, createTestPki("CA two").caPem);
  assert.notEqual(fingerprint(withCa()), first);
});
