/**
 * The dashboard and /metrics against real traffic: allowed, denied (in the tunnel and at CONNECT)
 * and failed-after-release requests go through the harness proxy, then /metrics is scraped and
 * parsed and /api/state read back; request ids match the audit log; the `request` log lines carry
 * no query value, token, attestation or credential; the listener is read-only and rebinding-proof.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_ROUTES, sleep, startHarness, type Harness } from "../helpers/harness.js";
import { dashboardGet } from "../helpers/dashboard-client.js";
import { parseExposition } from "../helpers/prom-text.js";

const P = "sigil_vault_";
const QUERY_VALUE = "q-value-that-must-not-be-logged";

describe("dashboard and metrics with real requests", () => {
  let h: Harness;
  const ids: Record<string, string> = {};
  before(async () => {
    h = await startHarness({
      dashboard: true,
      routes: [...DEFAULT_ROUTES, { path: "/untrusted/*", upstreamCa: false }],
    });
    const ok = await h.attested({ path: `/v1/models?key=${QUERY_VALUE}` });
    assert.equal(ok.status, 200);
    const release = await h.waitForAudit((r) => r.type === "release");
    ids["allow"] = release["requestId"] as string;
    ids["missing"] = await h.expectDenied(
      await h.request({ path: "/v1/x" }),
      403,
      "ERR_ATTESTATION_MISSING",
    );
    ids["unauthenticated"] = await h.expectDenied(
      await h.request({ token: "svt_wrong" }),
      407,
      "ERR_AGENT_UNAUTHENTICATED",
    );
    const failed = await h.attested({ path: "/untrusted/x" });
    assert.equal(failed.status, 502);
    ids["error"] = JSON.parse(failed.body.toString()).error.requestId as string;
    await h.waitForAudit((r) => r.type === "outcome" && r["requestId"] === ids["error"]);
  });
  after(() => h.stop());

  it("/metrics counts each request by decision and code and times its phases", async () => {
    let x = parseExposition((await dashboardGet(h.dashboardPort, "/metrics")).body);
    for (const until = Date.now() + 3000; x.value(`${P}tunnels_open`) !== 0; await sleep(50)) {
      if (Date.now() > until) assert.fail("tunnels did not close");
      x = parseExposition((await dashboardGet(h.dashboardPort, "/metrics")).body);
    }
    const expected: [Record<string, string>, number][] = [
      [{ decision: "allow", code: "none" }, 1],
      [{ decision: "deny", code: "ERR_ATTESTATION_MISSING" }, 1],
      [{ decision: "deny", code: "ERR_AGENT_UNAUTHENTICATED" }, 1],
      [{ decision: "error", code: "ERR_UPSTREAM_FAILED" }, 1],
    ];
    for (const [labels, n] of expected) {
      assert.equal(x.value(`${P}requests_total`, labels), n, JSON.stringify(labels));
    }
    const count = (phase: string) => x.value(`${P}request_phase_seconds_count`, { phase });
    assert.equal(count("total"), 3, "the CONNECT refusal is counted but not timed");
    assert.equal(count("auth"), 3);
    assert.equal(count("attestation"), 2);
    assert.equal(count("backend"), 2);
    assert.equal(count("upstream"), 2);
    const sum = (phase: string) => x.value(`${P}request_phase_seconds_sum`, { phase }) ?? NaN;
    const parts = sum("auth") + sum("attestation") + sum("backend") + sum("upstream");
    assert.ok(parts > 0 && parts <= sum("total") + 1e-6, `${parts} vs ${sum("total")}`);
    assert.equal(x.value(`${P}backend_fetch_seconds_count`, { backend: "demo-env" }), 2);
    assert.ok(x.value(`${P}audit_fsync_seconds_count`)! >= 3);
    assert.ok(x.value(`${P}audit_records_total`)! >= 6);
    assert.equal(x.value(`${P}tunnels_opened_total`), 3);
    assert.ok(x.value(`${P}audit_chain_seq`)! >= 5);
    assert.ok(x.value(`${P}process_resident_memory_bytes`)! > 0);
  });

  it("/api/state lists the requests with their audit ids, the chain head and the config", async () => {
    const res = await dashboardGet(h.dashboardPort, "/api/state");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    const s = JSON.parse(res.body);
    const byId = new Map(
      (s.activity.recent as { requestId: string }[]).map((r) => [r.requestId, r]),
    );
    assert.deepEqual(
      [ids["allow"], ids["missing"], ids["unauthenticated"], ids["error"]].map(
        (id) => (byId.get(id!) as { decision?: string } | undefined)?.decision,
      ),
      ["allow", "deny", "deny", "error"],
    );
    assert.equal(s.activity.denialsByCode.ERR_ATTESTATION_MISSING, 1);
    assert.equal(s.activity.agents[0].name, h.agent.name);
    const records = await h.readAudit();
    const last = records.at(-1)!;
    assert.ok(s.audit.head.seq <= last.seq);
    const headRecord = records.find((r) => r.seq === s.audit.head.seq)!;
    assert.equal(s.audit.head.hash, headRecord.hash);
    const agents = s.config.agents as { name: string; id: string }[];
    assert.ok(agents.some((a) => a.name === h.agent.name && a.id === h.agent.id));
    assert.ok(s.config.routes.some((r: { path: string }) => r.path === "/untrusted/*"));
    assert.equal(s.config.backends[0].kind, "env");
  });

  it("labels routes by host and path and links each request to its audit record's seq", async () => {
    const s = JSON.parse((await dashboardGet(h.dashboardPort, "/api/state")).body);
    const records = await h.readAudit();
    for (const id of [ids["allow"], ids["missing"], ids["error"]]) {
      const row = (s.activity.recent as Record<string, unknown>[]).find(
        (r) => r["requestId"] === id,
      )!;
      const first = records.find((r) => r["requestId"] === id)!;
      assert.equal(row["seq"], first.seq, "the release or deny record's seq");
    }
    const allow = (s.activity.recent as Record<string, unknown>[]).find(
      (r) => r["requestId"] === ids["allow"],
    )!;
    assert.equal(allow["routeLabel"], "api.example.test/v1/*");
    assert.ok(
      (s.activity.routes as { label: string }[]).some((r) => r.label === "api.example.test/v1/*"),
    );
  });

  it("/audit/<seq> shows that record, escaped, under the same headers and Host guard", async () => {
    const records = await h.readAudit();
    const release = records.find((r) => r["requestId"] === ids["allow"])!;
    const page = await dashboardGet(h.dashboardPort, `/audit/${release.seq}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
    assert.match(page.body, new RegExp(`<h1>Audit record ${release.seq}</h1>`));
    assert.ok(page.body.includes(`<td class="mono">${release.hash}</td>`));
    assert.ok(page.body.includes(ids["allow"]!));
    assert.doesNotMatch(page.body, /<script/);
    const missing = await dashboardGet(h.dashboardPort, "/audit/999999");
    assert.equal(missing.status, 404);
    assert.match(missing.body, /No audit record with seq 999999/);
    const rebound = await dashboardGet(h.dashboardPort, `/audit/${release.seq}`, {
      headers: { host: `rebind.example:${h.dashboardPort}` },
    });
    assert.equal(rebound.status, 403);
    assert.equal((await dashboardGet(h.dashboardPort, "/audit/x1")).status, 404);
  });

  it("leaves out the built-in probe's agent, anchor and routes", async () => {
    const body = (await dashboardGet(h.dashboardPort, "/api/state")).body;
    assert.doesNotMatch(body, /sigil-vault-probe|sigil-vault\.invalid/);
  });

  it("logs one `request` line per request without query values, tokens or credentials", () => {
    const lines = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    for (const id of Object.values(ids)) {
      assert.equal(lines.filter((l) => l.requestId === id).length, 1, id);
    }
    const allow = lines.find((l) => l.requestId === ids["allow"]);
    assert.deepEqual(Object.keys(allow).sort(), [
      "agent",
      "decision",
      "host",
      "level",
      "method",
      "ms",
      "msg",
      "requestId",
      "route",
      "status",
    ]);
    assert.equal(allow.decision, "allow");
    assert.equal(allow.status, 200);
    const text = h.logs.join("\n");
    for (const secret of [QUERY_VALUE, h.canary, h.agent.token, ...h.minted]) {
      assert.ok(!text.includes(secret), "a secret or query value reached the logs");
    }
  });

  it("nothing the dashboard serves holds the credential, the token or an attestation", async () => {
    for (const path of ["/", "/app.js", "/app.css", "/api/state", "/metrics", "/audit/1"]) {
      const { status, body } = await dashboardGet(h.dashboardPort, path);
      assert.equal(status, 200, path);
      for (const secret of [h.canary, h.agent.token, ...h.minted, QUERY_VALUE]) {
        assert.ok(!body.includes(secret), `${path} leaks a secret`);
      }
    }
  });

  it("is read-only, same-origin and refuses a foreign Host (DNS rebinding)", async () => {
    const page = await dashboardGet(h.dashboardPort, "/");
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
    assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    assert.equal(page.headers["access-control-allow-origin"], undefined);
    assert.doesNotMatch(page.body, /<script>|style=/, "no inline script or style");
    const cases: [string, { method?: string; headers?: Record<string, string> }, number][] = [
      ["/api/state", { method: "POST" }, 405],
      ["/", { method: "PUT" }, 405],
      ["/api/state", { headers: { host: `rebind.example:${h.dashboardPort}` } }, 403],
      ["/metrics", { headers: { host: "127.0.0.1:1" } }, 403],
      ["/api/state", { headers: { "sec-fetch-site": "cross-site" } }, 403],
      ["/nope", {}, 404],
      ["/", { method: "HEAD" }, 200],
      ["/healthz", { headers: { host: `localhost:${h.dashboardPort}` } }, 200],
    ];
    for (const [path, opts, status] of cases) {
      const res = await dashboardGet(h.dashboardPort, path, opts);
      assert.equal(res.status, status, `${opts.method ?? "GET"} ${path} ${JSON.stringify(opts)}`);
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      if (status === 405) assert.equal(res.headers["allow"], "GET, HEAD");
      if (status !== 200) assert.ok(!res.body.includes("sigil_vault_"));
    }
  });

  it("closes with the proxy", async () => {
    const port = h.dashboardPort;
    await h.stopProxy();
    await assert.rejects(dashboardGet(port, "/healthz"), /ECONNREFUSED/);
  });
});
