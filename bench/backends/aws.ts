/**
 * `node dist/bench/backends/aws.js` — what the AWS kinds cost per request on loopback against the
 * fakes: one `aws-secrets-manager` GetSecretValue, one `aws-sts` AssumeRole (cold first call and
 * the median of warm ones, kept-alive TLS, SigV4 verified by the fakes), and one `aws-sigv4`
 * re-signing of a 1 KiB request. Not a test.
 */
import { createAwsSecretsManagerBackend } from "../../src/backends/aws-secrets-manager.js";
import { createAwsStsBackend } from "../../src/backends/aws-sts.js";
import type { Backend } from "../../src/backends/backend.js";
import { createAwsSigv4Injector } from "../../src/inject/aws-sigv4.js";
import { createTestPki } from "../../test/helpers/pki.js";
import { createAwsAccount } from "../../test/fakes/aws-account.js";
import { startFakeSecretsManager } from "../../test/fakes/aws-secrets-manager.js";
import { startFakeSts } from "../../test/fakes/aws-sts.js";

const N = Number(process.env["BENCH_N"] ?? 200);
const WARMUP = 20;
const REGION = "us-east-1";
const ROLE = "arn:aws:iam::123456789012:role/bench";

async function main(): Promise<void> {
  const pki = createTestPki();
  const account = createAwsAccount();
  const user = account.addUser("bench");
  const env = { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey };
  const deps = { env, extraCa: [pki.caPem] };
  const sm = await startFakeSecretsManager({ pki, account, region: REGION });
  const sts = await startFakeSts({ pki, account, region: REGION });
  try {
    sm.putSecret("bench", JSON.stringify({ token: "sk-bench-0123456789abcdef" }));
    sts.addRole(ROLE);
    const smBackend = createAwsSecretsManagerBackend(
      "sm",
      { region: REGION, endpoint: sm.origin },
      deps,
    );
    const stsBackend = createAwsStsBackend(
      "sts",
      { region: REGION, role_arn: ROLE, endpoint: sts.origin },
      deps,
    );
    const results = [
      { backend: "aws-secrets-manager", ...(await measure(smBackend, "bench#token")) },
      { backend: "aws-sts", ...(await measure(stsBackend, "")) },
      { injector: "aws-sigv4", ...(await measureSigning(stsBackend)) },
    ];
    console.log(JSON.stringify({ fetches: N, node: process.version, results }, null, 2));
  } finally {
    await Promise.all([sm.close(), sts.close()]);
  }
}

async function measure(backend: Backend, ref: string) {
  const once = async () => {
    const started = performance.now();
    const cred = await backend.fetch(ref, { signal: AbortSignal.timeout(2000) });
    await cred.release();
    return performance.now() - started;
  };
  const coldMs = await once();
  for (let i = 0; i < WARMUP; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < N; i++) samples.push(await once());
  return { coldMs: round(coldMs), ...stats(samples) };
}

async function measureSigning(sts: Backend) {
  const cred = await sts.fetch("", { signal: AbortSignal.timeout(2000) });
  const injector = createAwsSigv4Injector("aws-sigv4", "");
  const body = Buffer.alloc(1024, 0x61);
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const req = {
      method: "POST",
      path: "/model/m/invoke?x=1",
      host: "bedrock-runtime.us-west-2.amazonaws.com",
      headers: { "content-type": "application/json" },
      body,
    };
    const started = performance.now();
    injector.apply(req, cred);
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  await cred.release();
  return stats(samples);
}

function stats(samples: number[]) {
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!);
  return { medianMs: at(0.5), p95Ms: at(0.95), maxMs: round(samples[samples.length - 1]!) };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

await main();
