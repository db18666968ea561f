/**
 * `kill -9` under load (issue #5): the real `sigil-vault start` serves eight concurrent agents
 * (a fresh attestation and a unique path per request) and is SIGKILLed mid-flight, three times at
 * different moments, then restarted on the same home. After each crash the log verifies, every
 * request the upstream received has its durable `release`, used attestations stay used, and the
 * proxy serves fresh requests.
 */
import assert from "node:assert/strict";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/audit/record.js";
import { listAuditFiles } from "../../src/audit/files.js";
import { readAudit, sleep } from "../helpers/harness.js";
import { createAttestedAgent, type AttestedAgent, type Sent } from "./attested-agent.js";
import { setupVault, type VaultFixture } from "./vault-fixture.js";

const WORKERS = 8;
/**
 * When each SIGKILL lands: once this many responses of the round have come back (early, mid-run,
 * late), so the moments hold on a loaded machine; eight more requests are in flight each time.
 */
const KILL_AFTER_RESPONSES = [4, 16, 40];
const ROUND_CAP_MS = 8000;
/** What a crash during a write leaves: a record cut mid-line (added by hand in round 2). */
const TORN = '{"v":1,"seq":99999,"ts":"2026-';

// Setup runs the CLI workflow (several processes); the crash rounds themselves stay under 60 s.
describe("kill -9 under load, then restart", { timeout: 120_000 }, () => {
  let vault: VaultFixture;
  let agent: AttestedAgent;
  let port = 0;
  let proxy: Awaited<ReturnType<VaultFixture["startProxy"]>>["proxy"] | undefined;
  const sent: Sent[] = [];
  let started = 0;

  before(async () => {
    vault = await setupVault();
    agent = await createAttestedAgent(vault);
    ({ proxy, port } = await vault.startProxy());
    const warm = mint(); // the first request pays for JWKS, the MITM leaf and a cold JIT
    assert.equal((await send(warm)).status, 200);
    started = Date.now();
  });
  after(() => vault?.close());

  const mint = () => agent.mint("crash");
  const send = (s: Sent) => agent.send(port, s);

  /** Eight agents sending until `stop()`; each request's fate is kept in `sent`. */
  function load() {
    let stopping = false;
    const worker = async () => {
      while (!stopping) {
        const s = mint();
        sent.push(s);
        try {
          s.status = (await send(s)).status;
        } catch (e) {
          return; // the proxy died under this request
        }
      }
    };
    const done = Promise.all(Array.from({ length: WORKERS }, worker));
    return { stop: () => ((stopping = true), done) };
  }

  /** Runs `work` over `items` with WORKERS in parallel. */
  async function eachParallel<T>(items: T[], work: (item: T) => Promise<void>) {
    const queue = [...items];
    const run = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    };
    await Promise.all(Array.from({ length: WORKERS }, run));
  }

  KILL_AFTER_RESPONSES.forEach((responses, round) => {
    it(`round ${round + 1}: SIGKILL after ${responses} responses: no release lost, no attestation released twice`, async (t) => {
      const firstOfRound = sent.length;
      const seenUpstream = vault.upstream.requests.length;
      const traffic = load();
      const answered = () => sent.slice(firstOfRound).filter((s) => s.status !== undefined);
      for (const until = Date.now() + ROUND_CAP_MS; answered().length < responses; await sleep(5)) {
        assert.ok(Date.now() < until, `only ${answered().length} responses in ${ROUND_CAP_MS} ms`);
      }
      const killed = await proxy!.stop("SIGKILL");
      assert.equal(killed.signal, "SIGKILL");
      await traffic.stop();
      const mine = sent.slice(firstOfRound);
      assert.ok(
        mine.some((s) => s.status === undefined),
        "requests were in flight at the kill",
      );
      assert.ok(
        mine.every((s) => s.status === undefined || s.status === 200),
        `statuses before the crash: ${[...new Set(mine.map((s) => s.status))].join(", ")}`,
      );
      let torn = 0;
      if (round === 1) {
        const files = await listAuditFiles(join(vault.home, "audit"));
        await appendFile(files.at(-1)!.path, TORN);
        torn = Buffer.byteLength(TORN);
        const before = await vault.session.run(["audit", "verify"]);
        assert.equal(before.code, 1, "verify names the torn line before recovery");
        assert.match(before.stderr, /last line is incomplete \(torn write\)/);
      }

      ({ proxy, port } = await vault.startProxy());
      const verify = await vault.session.run(["audit", "verify"]);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stdout, /^OK \d+ records, head [0-9a-f]{64}\n$/);
      const records = await readAudit(join(vault.home, "audit"));
      const lastStart = records.findLast((r) => r.type === "start")!;
      if (torn) {
        const recovery = records.findLast((r) => r.type === "recovery");
        assert.equal(recovery?.seq, lastStart.seq - 1, "recorded right before this start");
        assert.equal(recovery["truncatedBytes"], torn, "the torn line was cut off");
      }

      // Every request the upstream received has its release: same path, same attestation.
      const releases = new Map<string, AuditRecord>();
      for (const r of records) if (r.type === "release") releases.set(String(r["path"]), r);
      const byPath = new Map(mine.map((s) => [s.path, s]));
      const received = vault.upstream.requests.slice(seenUpstream);
      assert.ok(received.length > 0);
      for (const got of received) {
        const s = byPath.get(got.url);
        assert.ok(s, `the upstream received ${got.url}, which no agent sent this round`);
        const release = releases.get(got.url);
        assert.ok(release, `no release record for ${got.url}, which the upstream received`);
        assert.equal(release["replayId"], s.replayId);
        assert.ok(release.seq < lastStart.seq, "the release was durable before the crash");
      }

      // Attestations used before the crash are refused; one the crash caught between its claim
      // and its first record was never released, so at most it is used once now.
      const claimed = new Set(
        records
          .filter((r) => r.type === "release" || (r.type === "deny" && r["replayClaimed"]))
          .map((r) => String(r["replayId"])),
      );
      const upstreamPaths = new Set(received.map((r) => r.url));
      let reopened = 0;
      await eachParallel(mine, async (s) => {
        const res = await send(s);
        const mustBeUsed =
          s.status !== undefined || upstreamPaths.has(s.path) || claimed.has(s.replayId);
        if (!mustBeUsed && res.status === 200) {
          reopened++;
          assert.equal(vault.upstream.requests.filter((r) => r.url === s.path).length, 1);
          return;
        }
        assert.equal(res.status, 403, `${s.path} (before the crash: ${s.status ?? "no answer"})`);
        assert.equal(res.headers["x-sigil-error"], "ERR_ATTESTATION_REPLAYED");
      });
      assert.ok(reopened <= WORKERS, `${reopened} attestations were accepted again`);
      const inFlight = mine.filter((s) => s.status === undefined).length;
      t.diagnostic(
        `sent ${mine.length}, in flight at the kill ${inFlight}, upstream received ${received.length}, in flight without any record, accepted once now ${reopened}`,
      );

      const fresh = mint();
      sent.push(fresh);
      assert.equal((await send(fresh)).status, 200, "the restarted proxy serves fresh requests");
      assert.ok(Date.now() - started < 60_000, `crash rounds took ${Date.now() - started} ms`);
    });
  });

  it("a clean stop after the crashes leaves a log that verifies end to end", async () => {
    assert.equal((await proxy!.stop()).code, 0);
    const verify = await vault.session.run(["audit", "verify"]);
    assert.equal(verify.code, 0, verify.stderr);
  });
});
