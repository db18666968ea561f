/**
 * End to end: agent → Vault → HTTPS upstream, with the credential fetched per request from the
 * fake Secrets Manager through the real SDK and injected as a header. Failures and a hanging
 * service never reach the upstream and are audited.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expectErrorResponse } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";
import { startUpstream, type Upstream } from "../helpers/upstream.js";
import { createAwsAccount } from "../fakes/aws-account.js";
import { startFakeSecretsManager, type FakeSecretsManager } from "../fakes/aws-secrets-manager.js";
import { startAwsVault } from "./aws-setup.js";

const HOST = "api.example.test";
const REGION = "eu-west-1";
const TIMEOUT_MS = 400;

describe("aws-secrets-manager end to end", { timeout: 60_000 }, () => {
  const pki = createTestPki("Fake AWS CA");
  const account = createAwsAccount();
  const user = account.addUser("vault-host");
  const apiKey = `sk-live-${randomBytes(12).toString("hex")}`;
  let sm: FakeSecretsManager;
  let upstream: Upstream;
  let vault: Awaited<ReturnType<typeof startAwsVault>>;

  before(async () => {
    sm = await startFakeSecretsManager({ pki, account, region: REGION });
    sm.putSecret("prod/openai", JSON.stringify({ api_key: apiKey, org: "org-1" }));
    upstream = await startUpstream();
    const route = { host: HOST, backend: "aws-sm", inject: "header:Authorization=Bearer {value}" };
    const at = { upstreamPort: upstream.port, upstreamCaPem: upstream.caPem };
    vault = await startAwsVault({
      backends: [
        {
          name: "aws-sm",
          kind: "aws-secrets-manager",
          // The cap: the first fetch on a busy machine also waits for the SDK to finish loading.
          options: { region: REGION, endpoint: sm.origin, timeout_ms: "5000" },
        },
        {
          name: "aws-sm-fast",
          kind: "aws-secrets-manager",
          options: { region: REGION, endpoint: sm.origin, timeout_ms: String(TIMEOUT_MS) },
        },
      ],
      routes: [
        { ...route, ...at, path: "/v1/*", secret: "prod/openai#api_key@AWSCURRENT" },
        { ...route, ...at, path: "/missing/*", secret: "prod/absent" },
        { ...route, ...at, path: "/fast/*", backend: "aws-sm-fast", secret: "prod/openai#api_key" },
      ],
      env: { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
      backendCa: [pki.caPem],
    });
  });
  after(async () => {
    await vault?.stop();
    await Promise.all([sm?.close(), upstream?.close()]);
  });

  it("injects the JSON field fetched for this request and audits the release", async () => {
    const seen = upstream.requests.length;
    const res = await vault.request(HOST, "/v1/chat", {
      headers: { authorization: "Bearer agent-guess" },
    });
    assert.equal(res.status, 200, res.body.toString());
    const got = upstream.requests.slice(seen);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.headers["authorization"], `Bearer ${apiKey}`);
    assert.deepEqual(sm.calls[sm.calls.length - 1]!.input, {
      SecretId: "prod/openai",
      VersionStage: "AWSCURRENT",
    });
    const release = await vault.waitForAudit((r) => r.type === "release");
    assert.equal(release["backend"], "aws-sm");
    assert.equal(release["secretRef"], "prod/openai#api_key@AWSCURRENT");
    const outcome = await vault.waitForAudit(
      (r) => r.type === "outcome" && r["release"] === release.hash,
    );
    assert.equal(outcome["status"], 200);
  });

  it("answers 502 ERR_BACKEND_FAILED for a missing secret, forwards nothing, audits a deny", async () => {
    const seen = upstream.requests.length;
    const res = await vault.request(HOST, "/missing/x");
    const requestId = expectErrorResponse(res, 502, "ERR_BACKEND_FAILED");
    assert.match(res.body.toString(), /ResourceNotFoundException/);
    assert.equal(upstream.requests.length, seen);
    const deny = await vault.waitForAudit((r) => r["requestId"] === requestId);
    assert.equal(deny.type, "deny");
    assert.equal(deny["code"], "ERR_BACKEND_FAILED");
  });

  it("answers 504 ERR_BACKEND_TIMEOUT within the backend timeout when the service hangs", async () => {
    sm.hang = true;
    try {
      const seen = upstream.requests.length;
      const asked = sm.requests.length;
      const started = Date.now();
      const res = await vault.request(HOST, "/fast/chat");
      const elapsed = Date.now() - started;
      const requestId = expectErrorResponse(res, 504, "ERR_BACKEND_TIMEOUT");
      assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 1500, `took ${elapsed} ms`);
      assert.equal(sm.requests.length, asked + 1, "the service was asked");
      assert.equal(upstream.requests.length, seen, "the upstream saw nothing");
      const deny = await vault.waitForAudit((r) => r["requestId"] === requestId);
      assert.equal(deny["code"], "ERR_BACKEND_TIMEOUT");
    } finally {
      sm.hang = false;
    }
  });

  it("never writes the secret or the base key into logs or the audit log", async () => {
    const text = vault.logs.join("\n") + JSON.stringify(await vault.audit());
    assert.ok(!text.includes(apiKey));
    assert.ok(!text.includes(user.secretAccessKey));
  });
});
