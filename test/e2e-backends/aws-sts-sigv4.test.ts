/**
 * End to end: agent → Vault → AWS-style HTTPS upstream. Each request assumes a role at the fake
 * STS (with the route's session policy) and is re-signed with the issued keys; the upstream
 * verifies the signature with the independent verifier, as AWS would.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { expectErrorResponse } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";
import { createAwsAccount } from "../fakes/aws-account.js";
import { startFakeSignedApi, type FakeSignedApi } from "../fakes/aws-signed-api.js";
import { startFakeSts, type FakeSts } from "../fakes/aws-sts.js";
import { startAwsVault } from "./aws-setup.js";

const HOST = "bedrock-runtime.us-west-2.amazonaws.com";
const ROLE = "arn:aws:iam::123456789012:role/bedrock-invoker";
const TIMEOUT_MS = 400;
const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "bedrock:InvokeModel", Resource: "*" }],
});

describe("aws-sts with aws-sigv4 end to end", { timeout: 60_000 }, () => {
  const pki = createTestPki("Fake AWS CA");
  const account = createAwsAccount();
  const user = account.addUser("vault-host");
  let sts: FakeSts;
  let api: FakeSignedApi;
  let vault: Awaited<ReturnType<typeof startAwsVault>>;
  const lastIssued = () => sts.issued[sts.issued.length - 1]!;

  before(async () => {
    sts = await startFakeSts({ pki, account, region: "us-east-1" });
    sts.addRole(ROLE, { trusted: [user.accessKeyId] });
    api = await startFakeSignedApi({
      pki,
      account,
      host: HOST,
      service: "bedrock",
      region: "us-west-2",
    });
    const at = { host: HOST, backend: "aws-sts", upstreamPort: api.port, upstreamCaPem: pki.caPem };
    const options = { region: "us-east-1", role_arn: ROLE, endpoint: sts.origin };
    vault = await startAwsVault({
      backends: [
        // The cap: the first fetch on a busy machine also waits for the SDK to finish loading.
        { name: "aws-sts", kind: "aws-sts", options: { ...options, timeout_ms: "5000" } },
        {
          name: "aws-sts-fast",
          kind: "aws-sts",
          options: { ...options, timeout_ms: String(TIMEOUT_MS) },
        },
      ],
      routes: [
        { ...at, path: "/model/*", inject: "aws-sigv4", sessionPolicy: POLICY },
        { ...at, path: "/pinned/*", inject: "aws-sigv4:bedrock:eu-west-1" },
        { ...at, path: "/fast/*", backend: "aws-sts-fast", inject: "aws-sigv4" },
      ],
      env: { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
      backendCa: [pki.caPem],
    });
  });
  after(async () => {
    await vault?.stop();
    await Promise.all([sts?.close(), api?.close()]);
  });

  it("re-signs the agent's POST with keys STS issued for this request, under the route's policy", async () => {
    const body = Buffer.from(JSON.stringify({ prompt: "hello", max_tokens: 10 }));
    const res = await vault.request(HOST, "/model/anthropic.claude-v2/invoke", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAAGENT/x, SignedHeaders=host, Signature=00",
        "x-amz-security-token": "agent-token",
        "x-amz-date": "20000101T000000Z",
      },
    });
    assert.equal(res.status, 200, res.body.toString());
    const verdict = api.verdicts[api.verdicts.length - 1]!;
    assert.ok(verdict.ok);
    assert.equal(verdict.accessKeyId, lastIssued().accessKeyId);
    assert.deepEqual(verdict.signedHeaders, [
      "content-type",
      "host",
      "x-amz-date",
      "x-amz-security-token",
    ]);
    const call = sts.calls[sts.calls.length - 1]!;
    assert.equal(call.params["Policy"], POLICY);
    assert.equal(call.params["RoleArn"], ROLE);
    const sent = api.requests[api.requests.length - 1]!;
    assert.ok(
      !sent.rawHeaders.includes("agent-token") && !sent.rawHeaders.includes("20000101T000000Z"),
    );
    assert.deepEqual(sent.body, body);
  });

  it("assumes the role again for every request", async () => {
    const before = sts.calls.length;
    for (let i = 0; i < 2; i++)
      assert.equal((await vault.request(HOST, "/model/m/invoke")).status, 200);
    assert.equal(sts.calls.length - before, 2);
    const ids = api.verdicts.slice(-2).map((v) => (v.ok ? v.accessKeyId : ""));
    assert.notEqual(ids[0], ids[1]);
  });

  it("relays the upstream's 403 when the route pins the wrong region (the upstream really checks)", async () => {
    const res = await vault.request(HOST, "/pinned/m/invoke");
    assert.equal(res.status, 403);
    const verdict = api.verdicts[api.verdicts.length - 1]!;
    assert.equal(verdict.ok ? "ok" : verdict.reason, "WrongScope");
  });

  it("refuses a chunk-signed streaming upload with 400 ERR_BAD_REQUEST and forwards nothing", async () => {
    const seen = api.requests.length;
    const res = await vault.request(HOST, "/model/m/invoke", {
      method: "POST",
      body: Buffer.from("5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\n\r\n"),
      headers: { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" },
    });
    const requestId = expectErrorResponse(res, 400, "ERR_BAD_REQUEST");
    assert.equal(api.requests.length, seen);
    const outcome = await vault.waitForAudit(
      (r) => r.type === "outcome" && r["requestId"] === requestId,
    );
    assert.equal(outcome["error"], "ERR_BAD_REQUEST");
  });

  it("answers 504 ERR_BACKEND_TIMEOUT when STS hangs, and the upstream sees nothing", async () => {
    sts.hang = true;
    try {
      const seen = api.requests.length;
      const started = Date.now();
      const res = await vault.request(HOST, "/fast/m/invoke");
      const elapsed = Date.now() - started;
      const requestId = expectErrorResponse(res, 504, "ERR_BACKEND_TIMEOUT");
      assert.ok(elapsed < TIMEOUT_MS + 1500, `took ${elapsed} ms`);
      assert.equal(api.requests.length, seen);
      const deny = await vault.waitForAudit((r) => r["requestId"] === requestId);
      assert.equal(deny["code"], "ERR_BACKEND_TIMEOUT");
    } finally {
      sts.hang = false;
    }
  });

  it("never writes an issued secret key or session token into logs or the audit log", async () => {
    const text = vault.logs.join("\n") + JSON.stringify(await vault.audit());
    assert.ok(sts.issued.length >= 3);
    for (const k of sts.issued) {
      assert.ok(!text.includes(k.secretAccessKey) && !text.includes(k.sessionToken));
    }
  });
});
