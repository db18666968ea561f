/**
 * The `audit tail` table: one fixed-width row per record, whitelisted fields only, and nothing an
 * agent controls can inject terminal control characters.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatRecordRow, TAIL_HEADER } from "../../src/audit/format.js";
import type { AuditRecord } from "../../src/audit/record.js";

const chain = {
  v: 1,
  seq: 12,
  ts: "2030-01-02T03:04:05.678Z",
  prev: "0".repeat(64),
  hash: "a".repeat(64),
} as const;
const agent = { id: "ag_1", name: "agent-prod-1" };

const rows: [string, AuditRecord, string[]][] = [
  [
    "a release shows agent and request",
    { ...chain, type: "release", agent, method: "POST", host: "api.openai.com", path: "/v1/chat" },
    ["2030-01-02T03:04:05.678Z", "12", "release", "agent-prod-1", "POST api.openai.com/v1/chat"],
  ],
  [
    "a deny shows its code",
    { ...chain, type: "deny", code: "ERR_NO_ROUTE", method: "GET", host: "x.test", path: "/" },
    ["deny ERR_NO_ROUTE", "GET x.test/"],
  ],
  [
    "an outcome shows status and duration",
    { ...chain, type: "outcome", requestId: "req-1", status: 200, durationMs: 12 },
    ["outcome 200 12ms", "request req-1"],
  ],
  [
    "an outcome with an error shows its code in the request column",
    { ...chain, type: "outcome", status: 0, durationMs: 5000, error: "ERR_DEADLINE_EXCEEDED" },
    ["outcome 0 5000ms", "error ERR_DEADLINE_EXCEEDED"],
  ],
  [
    "a failed lease revocation shows the action, the lease, its backend and request",
    {
      ...chain,
      type: "lease",
      action: "revoke_failed",
      leaseId: "database/creds/ro/abc",
      backend: "hv",
      requestId: "req-2",
    },
    ["lease revoke_failed", "database/creds/ro/abc backend hv request req-2"],
  ],
  [
    "a deny summary shows its count, its codes and when its window opened",
    {
      ...chain,
      type: "deny_summary",
      agent,
      count: 4,
      codes: { ERR_RATE_LIMITED: 3, "ERR_NO\u001b[2J": 1 },
      since: "2030-01-02T03:04:04.678Z",
    },
    [
      "deny_summary ×4",
      "agent-prod-1",
      "ERR_RATE_LIMITED×3 ERR_NO?[2J×1 since 2030-01-02T03:04:04.678Z",
    ],
  ],
  [
    "a start shows where it listens",
    { ...chain, type: "start", listen: "127.0.0.1:10255", pid: 7 },
    ["listen 127.0.0.1:10255 pid 7"],
  ],
];
for (const [name, record, parts] of rows) {
  test(name, () => {
    const row = formatRecordRow(record);
    for (const part of parts) assert.ok(row.includes(part), `${JSON.stringify(row)} lacks ${part}`);
    assert.ok(!row.includes("\n"));
  });
}

test("columns line up with the header", () => {
  const row = formatRecordRow({
    ...chain,
    type: "release",
    agent,
    method: "GET",
    host: "h",
    path: "/",
  });
  assert.equal(row.indexOf("release"), TAIL_HEADER.indexOf("EVENT"));
  assert.equal(row.indexOf("agent-prod-1"), TAIL_HEADER.indexOf("AGENT"));
  assert.equal(row.indexOf("GET h/"), TAIL_HEADER.indexOf("REQUEST"));
});

test("fields outside the whitelist are never printed", () => {
  const row = formatRecordRow({
    ...chain,
    type: "release",
    agent,
    secretRef: "kv/data/openai#key",
    replayId: "replay-123",
    intentHash: "feed".repeat(16),
    reason: "private detail",
  });
  for (const hidden of ["kv/data", "replay-123", "feedfeed", "private", chain.hash]) {
    assert.ok(!row.includes(hidden), `row shows ${hidden}`);
  }
});

test("control and bidi characters from agent-supplied fields are neutralised", () => {
  const row = formatRecordRow({
    ...chain,
    type: "deny",
    code: "C",
    host: "evil\u001b[2J.test",
    path: "/\u202eabc\r",
  });
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202e]/.test(row));
  assert.ok(row.includes("evil?[2J.test/?abc?"));
});

test("an over-long agent name is clipped so the row stays aligned", () => {
  const row = formatRecordRow({
    ...chain,
    type: "release",
    agent: { id: "a", name: "n".repeat(60) },
    method: "GET",
    host: "h",
    path: "/",
  });
  assert.equal(row.indexOf("GET h/"), TAIL_HEADER.indexOf("REQUEST"));
});
