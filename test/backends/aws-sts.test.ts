/**
 * The aws-sts backend through the real AWS SDK against the fake STS over HTTPS: AssumeRole inputs
 * (defaults, external id, duration, session policy), one call per fetch, error mapping by AWS
 * code only, timeouts, and released keys that sign requests the fake account accepts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAwsStsBackend } from "../../src/backends/aws-sts.js";
import type { BackendDeps } from "../../src/backends/deps.js";
import { SigilError } from "../../src/errors.js";
import { createAwsSigv4Injector } from "../../src/inject/aws-sigv4.js";
import { createTestPki } from "../helpers/pki.js";
import { createAwsAccount, type AwsKeys } from "../fakes/aws-account.js";
import { startFakeSts, type FakeSts } from "../fakes/aws-sts.js";
import { verifySigV4 } from "../fakes/sigv4-verify.js";

const REGION = "us-east-1";
const ROLE = "arn:aws:iam::123456789012:role/agent-reader";
const GUARDED = "arn:aws:iam::123456789012:role/guarded";
const pki = createTestPki();
const account = createAwsAccount();
const user = account.addUser("sigil-vault");
const live = () => ({ signal: new AbortController().signal });
const envFor = (k: AwsKeys) => ({
  AWS_ACCESS_KEY_ID: k.accessKeyId,
  AWS_SECRET_ACCESS_KEY: k.secretAccessKey,
});

describe("aws-sts backend", { timeout: 60_000 }, () => {
  let sts: FakeSts;
  const backend = (options: Record<string, string> = {}, deps: Partial<BackendDeps> = {}) =>
    createAwsStsBackend(
      "aws-sts",
      { region: REGION, role_arn: ROLE, endpoint: sts.origin, ...options },
      { env: envFor(user), extraCa: [pki.caPem], ...deps },
    );

  before(async () => {
    sts = await startFakeSts({ pki, account, region: REGION });
    sts.addRole(ROLE);
    sts.addRole(GUARDED, { externalId: "ext-42", maxSessionDurationSeconds: 3600 });
  });
  after(() => sts.close());

  it("assumes the role with the defaults and releases the issued keys as three fields", async () => {
    const before = sts.calls.length;
    const cred = await backend().fetch("", live());
    const issued = sts.issued[sts.issued.length - 1]!;
    const text = (f: string) => cred.fields.get(f)?.toString("utf8");
    assert.deepEqual([...cred.fields.keys()], ["accessKeyId", "secretAccessKey", "sessionToken"]);
    assert.equal(text("accessKeyId"), issued.accessKeyId);
    assert.equal(text("secretAccessKey"), issued.secretAccessKey);
    assert.equal(text("sessionToken"), issued.sessionToken);
    const call = sts.calls[before]!;
    assert.equal(call.accessKeyId, user.accessKeyId);
    assert.equal(call.params["RoleArn"], ROLE);
    assert.equal(call.params["DurationSeconds"], "900");
    assert.match(call.params["RoleSessionName"]!, /^sigil-vault-[0-9a-f]{12}$/);
    assert.equal(call.params["ExternalId"], undefined);
    assert.equal(call.params["Policy"], undefined);
    const secret = cred.fields.get("secretAccessKey")!;
    await cred.release();
    assert.ok(
      secret.every((b) => b === 0),
      "release zeroes the secret key",
    );
  });

  it("passes external_id, duration_seconds, session_name and the route's session policy", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*" }],
    });
    const before = sts.calls.length;
    const b = backend({
      role_arn: GUARDED,
      external_id: "ext-42",
      duration_seconds: "1800",
      session_name: "sigil-vault-agent-a",
    });
    const cred = await b.fetch("", { ...live(), sessionPolicy: policy });
    await cred.release();
    const p = sts.calls[before]!.params;
    assert.deepEqual(
      [p["RoleArn"], p["ExternalId"], p["DurationSeconds"], p["RoleSessionName"], p["Policy"]],
      [GUARDED, "ext-42", "1800", "sigil-vault-agent-a", policy],
    );
  });

  it("calls AssumeRole for every fetch: nothing is cached between requests", async () => {
    const b = backend();
    const before = sts.calls.length;
    const first = await b.fetch("", live());
    const second = await b.fetch("", live());
    assert.equal(sts.calls.length - before, 2);
    assert.notDeepEqual(first.fields.get("accessKeyId"), second.fields.get("accessKeyId"));
    await Promise.all([first.release(), second.release()]);
  });

  it("releases keys that sign a request the account accepts, with the session token", async () => {
    const cred = await backend().fetch("", live());
    const req = {
      method: "GET",
      path: "/",
      host: "sts.amazonaws.com",
      headers: {},
      body: Buffer.alloc(0),
    };
    createAwsSigv4Injector("aws-sigv4", "").apply(req, cred);
    const raw = ["Host", req.host, ...Object.entries(req.headers).flat()] as string[];
    const verdict = verifySigV4(
      { method: "GET", url: "/", rawHeaders: raw, body: Buffer.alloc(0) },
      {
        service: "sts",
        region: "us-east-1",
        nowMs: Date.now(),
        lookup: (id) => account.lookup(id, Date.now()),
      },
    );
    assert.equal(verdict.ok, true);
    await cred.release();
  });

  const failures: [
    name: string,
    reason: RegExp,
    options?: Record<string, string>,
    deps?: Partial<BackendDeps>,
  ][] = [
    [
      "a wrong external id",
      /AssumeRole failed: AccessDenied \(HTTP 403\)$/,
      { role_arn: GUARDED, external_id: "nope" },
    ],
    [
      "a role that does not exist",
      /AccessDenied \(HTTP 403\)$/,
      { role_arn: "arn:aws:iam::123456789012:role/none" },
    ],
    [
      "a duration above the role's maximum",
      /ValidationError \(HTTP 400\)$/,
      { role_arn: GUARDED, external_id: "ext-42", duration_seconds: "7200" },
    ],
    [
      "a wrong secret access key",
      /SignatureDoesNotMatch \(HTTP 403\)$/,
      {},
      { env: envFor({ ...user, secretAccessKey: "bad" }) },
    ],
    [
      "an access key AWS does not know",
      /InvalidClientTokenId \(HTTP 403\)$/,
      {},
      { env: envFor({ accessKeyId: "AKIAUNKNOWN0000", secretAccessKey: "x" }) },
    ],
  ];
  for (const [name, reason, options, deps] of failures) {
    it(`maps ${name} to ERR_BACKEND_FAILED naming only the AWS error code`, async () => {
      await assert.rejects(backend(options, deps).fetch("", live()), (e: unknown) => {
        assert.ok(e instanceof SigilError && e.code === "ERR_BACKEND_FAILED", String(e));
        assert.match(e.reason, reason);
        assert.doesNotMatch(e.reason, /not authorized|arn:/);
        return true;
      });
    });
  }

  it("maps a session policy STS cannot parse to MalformedPolicyDocument", async () => {
    await assert.rejects(
      backend().fetch("", { ...live(), sessionPolicy: "[1,2]" }),
      (e: unknown) => {
        assert.match((e as SigilError).reason, /MalformedPolicyDocument \(HTTP 400\)$/);
        return true;
      },
    );
  });

  it("refuses a secret reference without calling STS", async () => {
    const before = sts.requests.length;
    await assert.rejects(backend().fetch("secret/data/x#k", live()), (e: unknown) => {
      assert.ok(e instanceof SigilError && e.code === "ERR_BACKEND_FAILED");
      return true;
    });
    assert.equal(sts.requests.length, before);
  });

  it("gives up with the signal's reason as soon as it aborts when STS hangs", async () => {
    sts.hang = true;
    try {
      const controller = new AbortController();
      const timeout = new SigilError("ERR_BACKEND_TIMEOUT", "backend aws-sts did not answer");
      const started = Date.now();
      setTimeout(() => controller.abort(timeout), 150);
      await assert.rejects(
        backend().fetch("", { signal: controller.signal }),
        (e) => e === timeout,
      );
      assert.ok(Date.now() - started < 1000);
    } finally {
      sts.hang = false;
    }
  });
});
