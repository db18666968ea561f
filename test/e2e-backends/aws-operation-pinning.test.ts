/**
 * End to end (issue 14): what an aws-sigv4 route lets the agent choose. Against fakes that verify
 * the SigV4 signature and record what they executed: an intent approved for GetSecretValue cannot
 * be re-signed as DeleteSecret, an S3 PUT cannot gain `x-amz-acl: public-read`, routes allow-list
 * operations, method overrides stay inside `--methods`, and the signature never reaches the agent.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expectErrorResponse } from "../helpers/harness.js";
import { createTestPki } from "../helpers/pki.js";
import { createAwsAccount } from "../fakes/aws-account.js";
import { header } from "../fakes/aws-server.js";
import { startFakeSecretsManager, type FakeSecretsManager } from "../fakes/aws-secrets-manager.js";
import { startFakeSignedApi, type FakeSignedApi } from "../fakes/aws-signed-api.js";
import { startFakeSts, type FakeSts } from "../fakes/aws-sts.js";
import { startAwsVault } from "./aws-setup.js";

const SM = "secretsmanager.us-east-1.amazonaws.com";
/** A second name for the same fake service, routed with an operation allow-list and binding off. */
const SM_LISTED = "secretsmanager.us-east-2.amazonaws.com";
const S3 = "s3.us-east-1.amazonaws.com";
const ROLE = "arn:aws:iam::123456789012:role/agent";
const SECRET_BODY = Buffer.from(JSON.stringify({ SecretId: "prod/db-password" }));
const JSON_TYPE = "application/x-amz-json-1.1";
const target = (op: string) => `secretsmanager.${op}`;

describe(
  "aws-sigv4: the agent cannot choose the operation Vault signs",
  { timeout: 60_000 },
  () => {
    const pki = createTestPki("Fake AWS CA");
    const account = createAwsAccount();
    const user = account.addUser("vault-host");
    let sts: FakeSts;
    let sm: FakeSecretsManager;
    let s3: FakeSignedApi;
    let vault: Awaited<ReturnType<typeof startAwsVault>>;

    before(async () => {
      sts = await startFakeSts({ pki, account, region: "us-east-1" });
      sts.addRole(ROLE, { trusted: [user.accessKeyId] });
      sm = await startFakeSecretsManager({
        pki,
        account,
        region: "us-east-1",
        hosts: [SM, SM_LISTED],
      });
      sm.putSecret("prod/db-password", "hunter2");
      s3 = await startFakeSignedApi({
        pki,
        account,
        host: S3,
        service: "s3",
        region: "us-east-1",
        echoHeaders: true,
      });
      const common = { backend: "aws-sts", upstreamCaPem: pki.caPem };
      vault = await startAwsVault({
        backends: [
          {
            name: "aws-sts",
            kind: "aws-sts",
            options: {
              region: "us-east-1",
              role_arn: ROLE,
              endpoint: sts.origin,
              timeout_ms: "5000",
            },
          },
        ],
        routes: [
          {
            ...common,
            host: SM,
            path: "/",
            inject: "aws-sigv4",
            binding: "required",
            upstreamPort: sm.port,
          },
          {
            ...common,
            host: SM_LISTED,
            path: "/",
            inject: "aws-sigv4:secretsmanager:us-east-1",
            binding: "off",
            awsOperations: ["GetSecretValue", "secretsmanager.DescribeSecret"],
            upstreamPort: sm.port,
          },
          {
            ...common,
            host: S3,
            path: "/photos/*",
            inject: "aws-sigv4",
            binding: "required",
            methods: ["GET", "PUT"],
            upstreamPort: s3.port,
          },
          {
            ...common,
            host: S3,
            path: "/docs/*",
            inject: "aws-sigv4",
            awsOperations: ["GetObject", "HeadObject"],
            upstreamPort: s3.port,
          },
        ],
        env: { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
        backendCa: [pki.caPem],
      });
    });
    after(async () => {
      await vault?.stop();
      await Promise.all([sts?.close(), sm?.close(), s3?.close()]);
    });

    /** The request is refused with this status and code, audited as a deny, and nothing reached `fake`. */
    async function expectRefused(
      fake: { requests: unknown[] },
      send: () => Promise<Parameters<typeof expectErrorResponse>[0]>,
      status: number,
      code: string,
    ): Promise<Record<string, unknown>> {
      const seen = fake.requests.length;
      const requestId = expectErrorResponse(await send(), status, code);
      assert.equal(fake.requests.length, seen, "nothing was forwarded");
      const deny = await vault.waitForAudit((r) => r["requestId"] === requestId);
      assert.equal(deny.type, "deny");
      assert.equal(deny["code"], code);
      return deny;
    }

    const smCall = (host: string, op: string, pin?: Record<string, string>) =>
      vault.request(host, "/", {
        method: "POST",
        body: SECRET_BODY,
        headers: { "content-type": JSON_TYPE, "x-amz-target": target(op) },
        ...(pin ? { pin } : {}),
      });

    it("refuses DeleteSecret sent under an intent (method, URL, body hash) approved without its X-Amz-Target", async () => {
      const deny = await expectRefused(
        sm,
        () => smCall(SM, "DeleteSecret"),
        403,
        "ERR_ATTESTATION_MISMATCH",
      );
      assert.match(String(deny["reason"]), /x-amz-target .*not pinned/);
      assert.deepEqual(sm.executed, []);
    });

    it("refuses DeleteSecret when the intent pinned X-Amz-Target: GetSecretValue", async () => {
      const pin = { "x-amz-target": target("GetSecretValue") };
      await expectRefused(
        sm,
        () => smCall(SM, "DeleteSecret", pin),
        403,
        "ERR_ATTESTATION_MISMATCH",
      );
      assert.deepEqual(sm.executed, []);
    });

    it("signs the pinned GetSecretValue, which the service verifies and executes", async () => {
      const res = await smCall(SM, "GetSecretValue", { "x-amz-target": target("GetSecretValue") });
      assert.equal(res.status, 200, res.body.toString());
      assert.deepEqual(
        sm.executed.map((e) => [e.operation, e.secretId]),
        [["GetSecretValue", "prod/db-password"]],
      );
    });

    it("refuses an S3 PUT that adds x-amz-acl: public-read the intent did not pin", async () => {
      const body = Buffer.from("cat picture");
      const put = (pin?: Record<string, string>) =>
        vault.request(S3, "/photos/cat.jpg", {
          method: "PUT",
          body,
          headers: { "x-amz-acl": "public-read" },
          ...(pin ? { pin } : {}),
        });
      await expectRefused(s3, () => put(), 403, "ERR_ATTESTATION_MISMATCH");
      await expectRefused(
        s3,
        () => put({ "x-amz-acl": "private" }),
        403,
        "ERR_ATTESTATION_MISMATCH",
      );
      const res = await put({ "x-amz-acl": "public-read" });
      assert.equal(res.status, 200, res.body.toString());
      const verdict = s3.verdicts[s3.verdicts.length - 1]!;
      assert.ok(verdict.ok && verdict.signedHeaders.includes("x-amz-acl"));
      assert.equal(
        verdict.ok && verdict.payloadHash,
        createHash("sha256").update(body).digest("hex"),
      );
    });

    it("allows a listed operation on a route with binding off, by name or full target", async () => {
      for (const op of ["GetSecretValue", "DescribeSecret"]) {
        const res = await smCall(SM_LISTED, op);
        assert.equal(res.status, 200, `${op}: ${res.body.toString()}`);
      }
      assert.deepEqual(
        sm.executed.slice(-2).map((e) => e.operation),
        ["GetSecretValue", "DescribeSecret"],
      );
    });

    it("refuses an operation outside the route's list with ERR_NO_ROUTE, whatever the binding", async () => {
      const executed = sm.executed.length;
      const deny = await expectRefused(
        sm,
        () => smCall(SM_LISTED, "DeleteSecret"),
        403,
        "ERR_NO_ROUTE",
      );
      assert.match(String(deny["reason"]), /DeleteSecret is not allowed/);
      const untargeted = () => vault.request(SM_LISTED, "/", { method: "POST", body: SECRET_BODY });
      await expectRefused(sm, untargeted, 403, "ERR_NO_ROUTE");
      assert.equal(sm.executed.length, executed);
    });

    it("allows a listed S3 operation and refuses others (DeleteObject, CopyObject even when pinned)", async () => {
      assert.equal((await vault.request(S3, "/docs/report.pdf")).status, 200);
      await expectRefused(
        s3,
        () => vault.request(S3, "/docs/report.pdf", { method: "DELETE" }),
        403,
        "ERR_NO_ROUTE",
      );
      const copy = () =>
        vault.request(S3, "/docs/report.pdf", {
          method: "PUT",
          headers: { "x-amz-copy-source": "/secrets/key.pem" },
          pin: { "x-amz-copy-source": "/secrets/key.pem" },
        });
      await expectRefused(s3, copy, 403, "ERR_NO_ROUTE");
    });

    it("refuses a method override to a method the route does not list, and allows a listed one", async () => {
      const override = (method: string) =>
        vault.request(S3, "/photos/cat.jpg", {
          method: "GET",
          headers: { "x-http-method-override": method },
        });
      const deny = await expectRefused(s3, () => override("DELETE"), 403, "ERR_NO_ROUTE");
      assert.match(String(deny["reason"]), /x-http-method-override asks for method DELETE/);
      await expectRefused(
        s3,
        () => vault.request(S3, "/photos/cat.jpg", { headers: { "x-method-override": "delete" } }),
        403,
        "ERR_NO_ROUTE",
      );
      assert.equal((await override("PUT")).status, 200);
    });

    it("masks the derived signature and session token in an echoed response, headers and body", async () => {
      const res = await vault.request(S3, "/photos/echo", {
        headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
        pin: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      });
      assert.equal(res.status, 200, res.body.toString());
      const sent = s3.requests[s3.requests.length - 1]!;
      const authorization = header(sent, "authorization")!;
      const signature = /Signature=([0-9a-f]{64})$/.exec(authorization)![1]!;
      const token = header(sent, "x-amz-security-token")!;
      const seen = res.body.toString("latin1") + JSON.stringify(res.headers);
      for (const secret of [signature, token, authorization]) assert.ok(!seen.includes(secret));
      assert.equal(res.headers["x-echo-authorization"], "*".repeat(authorization.length));
      assert.ok(res.body.includes("*".repeat(64)));
    });
  },
);
