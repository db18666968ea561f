/**
 * The built-in probe cannot be used to release a real credential: its key is refused on real
 * routes, its route refuses real anchors, its agent reaches no real host, real agents cannot reach
 * it, and operator config may not use its reserved names. Every refusal is audited.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { ConfigFile } from "../../src/config/schema.js";
import { emptyConfig } from "../../src/config/schema.js";
import { readConfigFile, writeConfigFile } from "../../src/config/store.js";
import { makeDevAttestation } from "../../src/dev/attest.js";
import { probePaths, readProbeMaterial, type ProbeMaterial } from "../../src/probe/material.js";
import {
  assertNoProbeNames,
  PROBE_AGENT_NAME,
  PROBE_HOST,
  PROBE_PATH,
  PROBE_ROUTE_ID,
} from "../../src/probe/names.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";

describe("probe isolation", () => {
  let h: Harness;
  let probe: ProbeMaterial;
  before(async () => {
    h = await startHarness();
    probe = await readProbeMaterial(probePaths(h.home));
  });
  after(() => h.stop());

  it("refuses a probe-signed attestation on a real route (403, audited, nothing released)", async () => {
    const { attestation, intent } = makeDevAttestation({
      key: probe.key,
      agentName: h.agent.name,
      method: "GET",
      url: h.url("/v1/x"),
      nowMs: h.nowMs(),
    });
    const res = await h.request({
      path: "/v1/x",
      headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
    });
    const requestId = await h.expectDenied(res, 403, "ERR_ATTESTATION_UNTRUSTED");
    const records = await h.readAudit();
    const deny = records.find((r) => r.requestId === requestId)!;
    assert.match(String(deny["reason"]), /probe key is trusted only for the probe route/);
    assert.notEqual(deny["route"], PROBE_ROUTE_ID);
    assert.equal(deny["replayClaimed"], undefined, "refused before the replay claim");
    assert.ok(!records.some((r) => r.type === "release"), "no credential released");
  });

  it("refuses a real anchor's attestation on the probe route", async () => {
    const res = await h.request({
      token: probe.token,
      host: PROBE_HOST,
      path: PROBE_PATH,
      headers: { "x-sigil-attestation": await h.sign({ agentId: PROBE_AGENT_NAME }) },
    });
    const requestId = await h.expectDenied(res, 403, "ERR_ATTESTATION_UNTRUSTED");
    const deny = await h.waitForAudit((r) => r.requestId === requestId);
    assert.equal(deny["route"], PROBE_ROUTE_ID);
    assert.match(String(deny["reason"]), /probe route accepts only the probe key/);
  });

  it("gives the probe agent no real route, and real agents no probe route", async () => {
    const probeToReal = await h.request({ token: probe.token, host: API_HOST, path: "/v1/x" });
    assert.equal(probeToReal.status, 403);
    assert.equal(probeToReal.headers["x-sigil-error"], "ERR_NO_ROUTE");
    const realToProbe = await h.attested({ host: PROBE_HOST, path: PROBE_PATH });
    assert.equal(realToProbe.status, 403);
    assert.equal(realToProbe.headers["x-sigil-error"], "ERR_NO_ROUTE");
  });

  it("rejects a hot reload that uses a reserved name and keeps serving", async () => {
    const rejections = () => h.logs.filter((l) => l.includes("config reload rejected")).length;
    const before = rejections();
    const next = readConfigFile(h.home.config);
    next.routes.push({ ...next.routes[0]!, id: "rt_operator01", host: PROBE_HOST });
    writeConfigFile(h.home.config, next);
    for (const until = Date.now() + 3000; rejections() === before;) {
      assert.ok(Date.now() < until, "the reload was not rejected");
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(h.logs.some((l) => /route host probe\.sigil-vault\.invalid is reserved/.test(l)));
  });

  it("removes the probe material when the proxy stops", async () => {
    await h.stopProxy();
    assert.equal(existsSync(probePaths(h.home).token), false);
    assert.equal(existsSync(probePaths(h.home).key), false);
  });
});

describe("reserved probe names in operator config", () => {
  const agent = { id: "agt_abcdefgh", name: "a", token_sha256: "0".repeat(64), created_at: "x" };
  const route = {
    id: "rt_abcdefgh",
    agent_id: agent.id,
    host: "api.example.test",
    path: "/**",
    backend: "b",
    inject: "header:Authorization=Bearer {value}",
    binding: "optional" as const,
  };
  const cases: [string, (c: ConfigFile) => void, RegExp][] = [
    [
      "the probe agent id",
      (c) => c.agents.push({ ...agent, id: "agt_sigil-vault-probe" }),
      /agent id/,
    ],
    [
      "the probe agent name",
      (c) => c.agents.push({ ...agent, name: PROBE_AGENT_NAME }),
      /agent name/,
    ],
    [
      "the probe kid",
      (c) =>
        c.anchors.push({
          kid: "sigil-vault-probe",
          fingerprint: `sha256:${"ab".repeat(32)}`,
          issuers: ["sigil-core"],
          audience: "sigil-sign",
          jwk: {},
        }),
      /anchor kid/,
    ],
    [
      "the probe backend",
      (c) => c.backends.push({ name: "sigil-vault-probe", kind: "env", options: {} }),
      /backend name/,
    ],
    ["the probe route id", (c) => c.routes.push({ ...route, id: PROBE_ROUTE_ID }), /route id/],
    [
      "the wrong-name probe route id",
      (c) => c.routes.push({ ...route, id: "rt_sigil-vault-probe-tls" }),
      /route id/,
    ],
    ["the probe host", (c) => c.routes.push({ ...route, host: PROBE_HOST }), /route host/],
    [
      "a wildcard over the probe domain",
      (c) => c.routes.push({ ...route, host: "*.SIGIL-VAULT.invalid" }),
      /route host/,
    ],
    [
      "a resolve entry for the probe host",
      (c) => (c.proxy.resolve = { [`${PROBE_HOST}:443`]: "127.0.0.1:1" }),
      /resolve entry/,
    ],
  ];
  for (const [name, add, message] of cases) {
    it(`refuses ${name}`, () => {
      const cfg = emptyConfig();
      add(cfg);
      assert.throws(
        () => assertNoProbeNames(cfg),
        (err: { code?: string; message?: string }) =>
          err.code === "ERR_CONFIG_INVALID" && message.test(String(err.message)),
      );
    });
  }

  it("accepts ordinary names, including other .invalid hosts", () => {
    const cfg = emptyConfig();
    cfg.agents.push(agent);
    cfg.routes.push({ ...route, host: "probe.example.invalid" });
    assertNoProbeNames(cfg);
  });
});
