/**
 * Each doctor check on a home built for the case: good → ok; bad permissions, a broken or expired
 * CA, a broken config, an unreachable JWKS, a failing backend, a tampered audit log → FAIL with a fix.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { closedPort } from "../helpers/loopback-server.js";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { listAuditFiles } from "../../src/audit/files.js";
import { openAuditWriter } from "../../src/audit/writer.js";
import { resolveHome, type HomePaths } from "../../src/config/home.js";
import { emptyConfig, type ConfigFile } from "../../src/config/schema.js";
import { writeConfigFile } from "../../src/config/store.js";
import { checkAudit } from "../../src/doctor/audit-check.js";
import { checkCa } from "../../src/doctor/ca-check.js";
import { formatResult, type CheckResult } from "../../src/doctor/check.js";
import { checkRouteBackends } from "../../src/doctor/backend-checks.js";
import { checkAnchor, checkBindings, checkConfig } from "../../src/doctor/config-checks.js";
import { checkHomePermissions } from "../../src/doctor/home-check.js";
import { checkProxyReachable } from "../../src/doctor/proxy-check.js";
import { devKeyInfo, loadOrCreateDevKey } from "../../src/dev/keys.js";
import { createCa, writeCa } from "../../src/mitm/ca.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

const DAY_MS = 86_400_000;

async function makeHome(t: TestContext, cfg: ConfigFile = emptyConfig()): Promise<HomePaths> {
  const home = resolveHome(join(await makeTmpDir(t), "home"), {});
  await mkdir(home.auditDir, { recursive: true, mode: 0o700 });
  await chmod(home.root, 0o700);
  await writeCa(home.caDir, createCa());
  writeConfigFile(home.config, cfg);
  return home;
}

function only(results: CheckResult[]): CheckResult {
  assert.equal(results.length, 1, results.map(formatResult).join("\n"));
  return results[0] as CheckResult;
}

function assertFail(r: CheckResult, message: RegExp, fix?: RegExp): void {
  assert.equal(r.status, "fail", formatResult(r));
  assert.match(r.message, message);
  assert.ok(r.fix, "a failure names a fix");
  if (fix) assert.match(r.fix, fix);
}

describe("doctor: home permissions", () => {
  it("passes an initialized home", async (t) => {
    const home = await makeHome(t);
    const r = only(await checkHomePermissions(home));
    assert.equal(r.status, "ok");
    assert.match(formatResult(r), /^ok {3}home: .* entries are owner-only$/);
  });

  const cases: [string, (h: HomePaths) => string, number, RegExp][] = [
    ["config.json readable by others", (h) => h.config, 0o644, /mode 0644, expected 0600/],
    ["the CA key readable by the group", (h) => join(h.caDir, "ca.key"), 0o640, /mode 0640/],
    ["the home directory open to others", (h) => h.root, 0o755, /mode 0755, expected 0700/],
    ["the audit directory group-writable", (h) => h.auditDir, 0o770, /mode 0770/],
  ];
  for (const [name, pick, mode, message] of cases) {
    it(`fails on ${name}, with the chmod that fixes it`, async (t) => {
      const home = await makeHome(t);
      await chmod(pick(home), mode);
      const r = only(await checkHomePermissions(home));
      assertFail(r, message, new RegExp(`^chmod [67]00 ${pick(home)}$`));
      assert.match(formatResult(r), /^FAIL home: .* — fix: chmod /);
    });
  }

  it("fails on files owned by someone else", async (t) => {
    const home = await makeHome(t);
    const results = await checkHomePermissions(home, 123_456);
    assert.ok(results.length > 1);
    for (const r of results) assertFail(r, /owned by uid \d+, not 123456/, /^chown /);
  });

  it("fails when there is no home at all", async (t) => {
    const home = resolveHome(join(await makeTmpDir(t), "missing"), {});
    const results = await checkHomePermissions(home);
    assert.ok(results.every((r) => r.status === "fail"));
    assert.match(results[0]!.fix!, /sigil-vault init/);
  });
});

describe("doctor: CA", () => {
  const now = Date.now();
  it("reports the expiry date and the days left", async (t) => {
    const r = only(await checkCa(await makeHome(t), now));
    assert.equal(r.status, "ok");
    assert.match(r.message, /^valid until \d{4}-\d\d-\d\d \(365\d days\), key matches$/);
  });

  it("warns under 30 days and fails once expired", async (t) => {
    const home = await makeHome(t);
    const cert = new X509Certificate(await readFile(home.caCert, "utf8"));
    const notAfter = Date.parse(cert.validTo);
    const soon = only(await checkCa(home, notAfter - 10 * DAY_MS));
    assert.equal(soon.status, "warn");
    assert.match(soon.message, /\(10 days\)/);
    assertFail(only(await checkCa(home, notAfter + DAY_MS)), /^expired on /, /sigil-vault init/);
  });

  it("fails when the key does not match the certificate", async (t) => {
    const home = await makeHome(t);
    await writeFile(home.caCert, createCa().certPem);
    assertFail(only(await checkCa(home, now)), /does not match/);
  });

  it("fails when the CA is missing or its key is readable by others", async (t) => {
    const home = await makeHome(t);
    await chmod(join(home.caDir, "ca.key"), 0o644);
    assertFail(only(await checkCa(home, now)), /accessible by group or others/, /chmod 600/);
    const empty = resolveHome(await makeTmpDir(t), {});
    assertFail(only(await checkCa(empty, now)), /no CA key/);
  });
});

describe("doctor: config, anchors and backends", () => {
  it("warns about each route that opted out of binding required", () => {
    const cfg = emptyConfig();
    const r = {
      agent_id: "agt_abcdefgh",
      host: "api.example.test",
      path: "/v1/*",
      backend: "e",
      inject: "header:Authorization=Bearer {value}",
    };
    cfg.routes.push(
      { ...r, id: "rt_required1", binding: "required" },
      { ...r, id: "rt_optional1", binding: "optional" },
      { ...r, id: "rt_off000001", binding: "off" },
    );
    const lines = checkBindings(cfg).map(formatResult);
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^warn route rt_optional1: binding optional: X-Sigil-Intent is checked only when sent, so an attestation for any request of agent agt_abcdefgh is accepted on api\.example\.test\/v1\/\* — fix: /,
    );
    assert.match(
      lines[1]!,
      /^warn route rt_off000001: binding off: X-Sigil-Intent is never checked/,
    );
  });

  it("passes a valid config and counts what it holds", async (t) => {
    const { result, file } = checkConfig(await makeHome(t));
    assert.equal(result.status, "ok");
    assert.ok(file);
    assert.match(result.message, /is valid \(0 agents, 0 routes, 0 backends, 0 anchors\)/);
  });

  const broken: [string, (h: HomePaths) => Promise<void>, RegExp][] = [
    ["not JSON", (h) => writeFile(h.config, "{"), /not valid JSON/],
    [
      "a route to an unknown backend",
      (h) =>
        writeFile(
          h.config,
          JSON.stringify({
            ...emptyConfig(),
            agents: [
              { id: "agt_abcdefgh", name: "a", token_sha256: "0".repeat(64), created_at: "x" },
            ],
            routes: [
              {
                id: "rt_abcdefgh",
                agent_id: "agt_abcdefgh",
                host: "api.example.test",
                path: "/**",
                backend: "nope",
                inject: "header:Authorization=Bearer {value}",
                binding: "optional",
              },
            ],
          }),
        ),
      /unknown backend nope/,
    ],
    [
      "a name reserved for the probe",
      (h) =>
        writeFile(
          h.config,
          JSON.stringify({
            ...emptyConfig(),
            backends: [{ name: "sigil-vault-probe", kind: "env", options: {} }],
          }),
        ),
      /reserved for the built-in probe/,
    ],
  ];
  for (const [name, breakIt, message] of broken) {
    it(`fails on ${name}`, async (t) => {
      const home = await makeHome(t);
      await breakIt(home);
      const { result, file } = checkConfig(home);
      assert.equal(file, undefined);
      assertFail(result, message);
    });
  }

  it("passes an anchor whose key matches, fails on a changed fingerprint", async (t) => {
    const key = devKeyInfo(await loadOrCreateDevKey(join(await makeTmpDir(t), "k.jwk")));
    const entry = {
      kid: key.kid,
      fingerprint: key.fingerprint,
      issuers: ["sigil-core"],
      audience: "sigil-sign",
      jwk: { ...key.publicJwk },
    };
    assert.equal(only(await checkAnchor(entry)).status, "ok");
    const pinnedElsewhere = { ...entry, fingerprint: `sha256:${"ab".repeat(32)}` };
    assertFail(only(await checkAnchor(pinnedElsewhere)), /does not match the pinned fingerprint/);
  });

  it("fails an anchor whose JWKS URL does not answer", async () => {
    const port = await closedPort();
    const r = only(
      await checkAnchor({
        kid: "k1",
        fingerprint: `sha256:${"ab".repeat(32)}`,
        issuers: ["sigil-core"],
        audience: "sigil-sign",
        jwks_url: `http://127.0.0.1:${port}/jwks.json`,
      }),
    );
    assertFail(
      r,
      /JWKS URL http:\/\/127\.0\.0\.1:\d+\/jwks\.json could not be fetched: connect ECONNREFUSED/,
      /serves kid k1/,
    );
  });

  it("checks every route's secret from its own environment when no proxy runs, and says so", async (t) => {
    const home = await makeHome(t);
    const entry = { name: "dev-env", kind: "env", options: {} };
    const route = (id: string, secret: string) => ({
      id,
      agent_id: "agt_abcdefgh",
      host: "api.example.test",
      path: `/${id}/*`,
      backend: "dev-env",
      secret,
      inject: "header:Authorization=Bearer {value}",
      binding: "optional" as const,
    });
    const file = {
      ...emptyConfig(),
      backends: [entry, { name: "unused", kind: "env", options: {} }],
      routes: [
        route("rt_aaaaaaaa", "DOCTOR_TEST_KEY"),
        route("rt_bbbbbbbb", "DOCTOR_TEST_KEY"),
        route("rt_cccccccc", "OTHER_KEY"),
      ],
    };
    const [unused, good, bad, ...rest] = await checkRouteBackends(home, file, {
      DOCTOR_TEST_KEY: "value-1234",
    });
    assert.deepEqual(rest, [], "one line per distinct backend + secret");
    assert.equal(unused?.status, "warn");
    assert.equal(unused?.check, "backend unused");
    assert.equal(good?.status, "ok");
    assert.equal(good?.check, "backend dev-env secret DOCTOR_TEST_KEY");
    assert.match(
      good!.message,
      /^env answered in \d+ ms \(value 10 bytes\), checked with doctor's own environment \(no proxy runs\)$/,
    );
    assert.ok(!formatResult(good!).includes("value-1234"), "never the value");
    assert.equal(bad?.check, "backend dev-env secret OTHER_KEY");
    assertFail(
      bad!,
      /ERR_BACKEND_FAILED.*checked with doctor's own environment \(no proxy runs\)$/,
      /backends test --name dev-env --secret OTHER_KEY/,
    );
  });
});

describe("doctor: audit and proxy", () => {
  it("passes an intact chain with its head, fails a tampered one", async (t) => {
    const home = await makeHome(t);
    assert.equal(only(await checkAudit(home)).status, "warn", "an empty log is a warning");
    const writer = await openAuditWriter({ dir: home.auditDir });
    for (const reason of ["a", "b", "c"]) await writer.append({ type: "stop", reason });
    await writer.close();
    const good = only(await checkAudit(home));
    assert.equal(good.status, "ok");
    assert.match(good.message, /^chain intact, 3 records, head [0-9a-f]{64}$/);
    const [file] = await listAuditFiles(home.auditDir);
    const text = await readFile(file!.path, "utf8");
    await writeFile(file!.path, text.replace('"reason":"b"', '"reason":"x"'));
    assertFail(only(await checkAudit(home)), /line 2 \(seq 1\)/, /docs\/audit\.md/);
  });

  it("warns when nothing listens, and fails when --probe needs the proxy", async () => {
    const port = await closedPort();
    const addr = { host: "127.0.0.1", port, text: `127.0.0.1:${port}` };
    assert.equal(only(await checkProxyReachable(addr, false)).status, "warn");
    assertFail(only(await checkProxyReachable(addr, true)), /ECONNREFUSED/, /sigil-vault start/);
  });
});
