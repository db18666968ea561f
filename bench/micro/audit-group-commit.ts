/**
 * Durable audit throughput with group commit: 256 concurrent appenders, each awaiting its own
 * release-shaped record before sending the next, against the real writer on the real disk (every
 * batch is written and fdatasync'd). Records per second and the batch size it reached.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { openAuditWriter } from "../../src/audit/writer.js";

export interface AuditBenchResult {
  appenders: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  batches: number;
  recordsPerBatch: number;
}

export async function benchAuditGroupCommit(
  appenders = 256,
  records = 20_000,
): Promise<AuditBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "sigil-bench-audit-"));
  const writer = await openAuditWriter({ dir: join(dir, "audit") });
  const before = writer.stats();
  const per = Math.ceil(records / appenders);
  try {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        for (let k = 0; k < per; k++) await writer.append(releaseLike(a, k));
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = writer.stats();
    const total = after.records - before.records;
    const batches = after.batches - before.batches;
    return {
      appenders,
      records: total,
      seconds,
      recordsPerSec: total / seconds,
      batches,
      recordsPerBatch: total / batches,
    };
  } finally {
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fields a real `release` record carries (see src/pipeline.ts), with plausible sizes. */
export function releaseLike(a: number, k: number) {
  return {
    type: "release",
    requestId: randomUUID(),
    agent: { id: "agt_0123456789abcdef", name: "bench-agent" },
    route: "rt_0123456789abcdef",
    backend: "bench-env",
    secretRef: "BENCH_KEY",
    replayId: `sha256:${"ab".repeat(32)}`,
    iss: "sigil-core",
    kid: "dev-0123456789ab",
    agentId: "bench-agent",
    intentHash: "cd".repeat(32),
    policyHash: "ef".repeat(32),
    iat: 1_800_000_000,
    exp: 1_800_000_060,
    binding: "intent",
    method: "GET",
    host: "api.bench.test",
    path: `/v1/models/${a}/${k}`,
  };
}
