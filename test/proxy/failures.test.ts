/**
 * Failures past the gate (spec §4, §7, §8): a backend that cannot produce the credential, an
 * upstream whose TLS does not verify, and an audit log that cannot be made durable. Each is refused
 * with its own code; nothing reaches the upstream unverified or unaudited.
 */
import assert from "node:assert/strict";
import { chmod } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { listAuditFiles } from "../../src/audit/files.js";
import type { AuditRecord } from "../../src/audit/record.js";
import {
  DEFAULT_ROUTES,
  expectErrorResponse,
  startHarness,
  type Harness,
} from "../helpers/harness.js";

describe("backend, upstream and audit failures", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      routes: [
        ...DEFAULT_ROUTES,
        { path: "/missing/*", secret: "MISSING_KEY" },
        { path: "/hv/*", backend: "hv", secret: "secret/data/app#token" },
        { host: "localhost", path: "/*", upstreamCa: false },
        { host: "wrong.example.test", path: "/*" },
      ],
      backends: [
        { name: "hv", kind: "hashicorp-vault", options: { vault_addr: "https://vault.invalid" } },
      ],
    });
  });
  after(() => h.stop());

  /** A failure after the release: the agent gets the error, the log a release and its outcome. */
  async function expectFailedAfterRelease(
    res: Awaited<ReturnType<Harness["request"]>>,
    status: number,
    code: string,
  ) {
    const requestId = expectErrorResponse(res, status, code);
    const mine = (type: string) => (r: AuditRecord) =>
      r.type === type && r["requestId"] === requestId;
    const outcome = await h.waitForAudit(mine("outcome"));
    const records = await h.readAudit();
    const release = records.find(mine("release"));
    assert.ok(release && release.seq < outcome.seq, "a release precedes the outcome");
    assert.equal(outcome["release"], release.hash);
    assert.equal(outcome["error"], code);
    assert.equal(records.filter(mine("deny")).length, 0);
  }

  it("answers 502 when the env backend's variable is not set", async () => {
    const res = await h.attested({ path: "/missing/x" });
    const id = await h.expectDenied(res, 502, "ERR_BACKEND_FAILED");
    const deny = (await h.readAudit()).find((r) => r["requestId"] === id)!;
    assert.equal(deny["replayClaimed"], true, "the attestation was consumed before the fetch");
  });

  it("answers 502 for a backend kind this build does not implement", async () => {
    const res = await h.attested({ path: "/hv/x" });
    await h.expectDenied(res, 502, "ERR_BACKEND_FAILED");
  });

  const tlsCases: [string, string, RegExp][] = [
    ["a route without the upstream's CA", "localhost", /UNABLE_TO_VERIFY_LEAF_SIGNATURE/],
    ["an upstream certificate for another name", "wrong.example.test", /ALTNAME_INVALID/],
  ];
  for (const [name, host, reason] of tlsCases) {
    it(`answers 502 and forwards nothing when upstream TLS does not verify: ${name}`, async () => {
      const res = await h.attested({ host, path: "/x" });
      await expectFailedAfterRelease(res, 502, "ERR_UPSTREAM_FAILED");
      assert.match(JSON.parse(res.body.toString()).error.message, reason);
      assert.deepEqual(res.upstreamRequests, []);
    });
  }

  it("refuses with 503 and forwards nothing while the audit log is read-only", async () => {
    const files = await listAuditFiles(h.home.auditDir);
    assert.ok(files.length > 0);
    const before = (await h.readAudit()).length;
    let res;
    try {
      for (const f of files) await chmod(f.path, 0o400);
      await chmod(h.home.auditDir, 0o500);
      res = await h.attested({ path: "/v1/while-read-only" });
    } finally {
      await chmod(h.home.auditDir, 0o700);
      for (const f of files) await chmod(f.path, 0o600);
    }
    const id = expectErrorResponse(res, 503, "ERR_AUDIT_UNAVAILABLE");
    assert.deepEqual(res.upstreamRequests, []);
    const records = await h.readAudit();
    assert.equal(records.length, before, "nothing was appended");
    assert.equal(records.filter((r) => r["requestId"] === id).length, 0);
    const again = await h.attested({ path: "/v1/after-restore" });
    assert.equal(again.status, 200, "releases resume once the log is writable");
  });
});
