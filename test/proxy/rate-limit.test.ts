/**
 * Per-agent rate limiting (`proxy.rate_limit`): past its burst an agent is answered 429
 * ERR_RATE_LIMITED with Retry-After and its connection is closed; refusals past
 * `deny_records_per_second` are counted into one `deny_summary` record per agent and second; and
 * another agent is not affected.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { openTunnel } from "../helpers/agent-client.js";
import { API_HOST, startHarness, type Harness } from "../helpers/harness.js";

describe("per-agent rate limit", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      proxy: { rate_limit: { requests_per_second: 1, burst: 2, deny_records_per_second: 3 } },
    });
  });
  after(() => h.stop());

  it("answers 429 past the burst, closes the tunnel, and summarises refusals past the record rate", async () => {
    // Eight requests in one write: all are parsed at once, so the bucket cannot refill between them.
    const one = `GET /v1/x HTTP/1.1\r\nHost: ${API_HOST}\r\n\r\n`;
    const opened = await openTunnel(h.tunnel());
    assert.ok("tls" in opened);
    const chunks: Buffer[] = [];
    opened.tls.on("data", (c: Buffer) => chunks.push(c));
    const closed = once(opened.tls, "close");
    opened.tls.write(one.repeat(8));
    await closed;
    const text = Buffer.concat(chunks).toString("latin1");
    const answers = [...text.matchAll(/HTTP\/1\.1 (\d{3}) [^]*?x-sigil-error: (\S+)/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    assert.deepEqual(answers, [
      "403 ERR_ATTESTATION_MISSING",
      "403 ERR_ATTESTATION_MISSING",
      "429 ERR_RATE_LIMITED",
    ]);
    const limited = text.slice(text.indexOf("HTTP/1.1 429"));
    assert.match(limited, /\r\nretry-after: 1\r\n/i);
    assert.match(limited, /\r\nconnection: close\r\n/i);
    const requestId = /"requestId":"([0-9a-f-]{36})"/.exec(limited)?.[1];

    const deny = await h.waitForAudit((r) => r["requestId"] === requestId);
    assert.equal(deny.type, "deny");
    assert.equal(deny["code"], "ERR_RATE_LIMITED");
    assert.match(String(deny["reason"]), /proxy\.rate_limit: 1\/s, burst 2/);
    assert.deepEqual(deny["agent"], { id: h.agent.id, name: h.agent.name });

    // The other five were parsed and refused too (never answered: the tunnel closed first).
    const summary = await h.waitForAudit((r) => r.type === "deny_summary", 4000);
    const { v, seq, ts, prev, hash, ...fields } = summary;
    assert.ok(v === 1 && seq > 0 && ts && prev && hash);
    assert.deepEqual(Object.keys(fields).sort(), [
      "agent",
      "codes",
      "count",
      "since",
      "type",
      "until",
    ]);
    assert.deepEqual(fields["agent"], { id: h.agent.id, name: h.agent.name });
    assert.equal(fields["count"], 5);
    assert.deepEqual(fields["codes"], { ERR_RATE_LIMITED: 5 });
    assert.ok(String(fields["since"]) <= String(fields["until"]));
    const individual = (await h.readAudit()).filter((r) => r.type === "deny");
    assert.equal(individual.length, 3, "three individual deny records, then the summary");
    assert.equal((await verifyAuditDir(h.home.auditDir)).ok, true);
  });

  it("does not limit another agent", async () => {
    const other = await h.addAgent("agent-b");
    const url = h.url("/v1/b");
    for (let i = 0; i < 2; i++) {
      const { attestation, intent } = h.attest({ method: "GET", url, agentName: other.name });
      const res = await h.request({
        token: other.token,
        path: "/v1/b",
        headers: { "x-sigil-attestation": attestation, "x-sigil-intent": intent! },
      });
      assert.equal(res.status, 200, `request ${i + 1} of the other agent`);
    }
  });

  it("limits CONNECTs to unrouted hosts (each could mint a leaf) from the same bucket", async () => {
    const agent = await h.addAgent("agent-c");
    const statuses: number[] = [];
    let refused: { status: number; headers: Record<string, unknown> } | undefined;
    for (let i = 0; i < 3; i++) {
      const t = await openTunnel({
        ...h.tunnel(),
        token: agent.token,
        host: `random-${i}.unrouted.test`,
      });
      if ("refused" in t) {
        statuses.push(t.refused.status);
        refused = t.refused;
      } else {
        statuses.push(200);
        t.tls.destroy();
      }
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal(refused?.headers["x-sigil-error"], "ERR_RATE_LIMITED");
    const deny = await h.waitForAudit(
      (r) => r.type === "deny" && r["host"] === "random-2.unrouted.test:443",
    );
    assert.equal(deny["code"], "ERR_RATE_LIMITED");
    assert.equal(deny["method"], "CONNECT");
  });
});
