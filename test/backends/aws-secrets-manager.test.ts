/**
 * The aws-secrets-manager backend through the real AWS SDK against the fake Secrets Manager over
 * HTTPS (test CA via BackendDeps.extraCa): secret references, JSON fields, version stages, binary
 * secrets, error mapping by AWS code only, timeouts, TLS trust and the credential chain.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createAwsSecretsManagerBackend } from "../../src/backends/aws-secrets-manager.js";
import { parseSecretRef } from "../../src/backends/aws/secret-ref.js";
import type { BackendDeps } from "../../src/backends/deps.js";
import { SigilError } from "../../src/errors.js";
import { createTestPki } from "../helpers/pki.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";
import { createAwsAccount, type AwsKeys } from "../fakes/aws-account.js";
import { startFakeSecretsManager, type FakeSecretsManager } from "../fakes/aws-secrets-manager.js";

const REGION = "eu-west-1";
const pki = createTestPki();
const account = createAwsAccount();
const user = account.addUser("sigil-vault");
const isCode = (code: string) => (e: unknown) => e instanceof SigilError && e.code === code;
const live = () => ({ signal: new AbortController().signal });

function envFor(keys: AwsKeys): BackendDeps["env"] {
  return { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey };
}

describe("aws-secrets-manager backend", { timeout: 60_000 }, () => {
  let sm: FakeSecretsManager;
  const backend = (deps: Partial<BackendDeps> = {}, options: Record<string, string> = {}) =>
    createAwsSecretsManagerBackend(
      "aws-sm",
      { region: REGION, endpoint: sm.origin, timeout_ms: "2000", ...options },
      { env: envFor(user), extraCa: [pki.caPem], ...deps },
    );
  const fields = async (ref: string) => {
    const cred = await backend().fetch(ref, live());
    const out = Object.fromEntries([...cred.fields].map(([k, v]) => [k, v.toString("utf8")]));
    await cred.release();
    return out;
  };

  before(async () => {
    sm = await startFakeSecretsManager({ pki, account, region: REGION });
    sm.putSecret("prod/plain", "sk-plain-123");
    sm.putSecret("prod/openai", JSON.stringify({ api_key: "sk-old", org: "o-1" }));
    sm.putSecret("prod/openai", JSON.stringify({ api_key: "sk-new", org: "o-1" }));
    sm.putSecret("prod/binary", Buffer.from([0, 1, 2, 0xfe, 0xff]));
    sm.putSecret("prod/denied", "x");
    sm.restrictReaders("prod/denied", ["AKIASOMEONEELSE"]);
    sm.putSecret("prod/deleted", "x");
    sm.markDeleted("prod/deleted");
  });
  after(() => sm.close());

  it("releases a plain SecretString as value, signed with the chain's key", async () => {
    const before = sm.calls.length;
    assert.deepEqual(await fields("prod/plain"), { value: "sk-plain-123" });
    const call = sm.calls[before]!;
    assert.equal(call.accessKeyId, user.accessKeyId);
    assert.deepEqual(call.input, { SecretId: "prod/plain" });
  });

  it("turns a JSON SecretString into fields and selects one with #field", async () => {
    assert.deepEqual(await fields("prod/openai"), {
      api_key: "sk-new",
      org: "o-1",
      value: JSON.stringify({ api_key: "sk-new", org: "o-1" }),
    });
    assert.equal((await fields("prod/openai#api_key")).value, "sk-new");
  });

  it("asks for the version stage after @, with or without a field", async () => {
    const before = sm.calls.length;
    assert.equal((await fields("prod/openai#api_key@AWSPREVIOUS")).value, "sk-old");
    assert.equal((await fields("prod/openai#api_key@AWSCURRENT")).value, "sk-new");
    assert.deepEqual(sm.calls[before]!.input, {
      SecretId: "prod/openai",
      VersionStage: "AWSPREVIOUS",
    });
  });

  it("finds a secret by its full ARN (colons and all) with a field and a stage", async () => {
    const arn = sm.arnOf("prod/openai");
    assert.match(arn, /^arn:aws:secretsmanager:eu-west-1:\d{12}:secret:prod\/openai-\w{6}$/);
    assert.equal((await fields(`${arn}#api_key@AWSPREVIOUS`)).value, "sk-old");
  });

  it("releases a SecretBinary as value bytes, and refuses #field on it", async () => {
    const cred = await backend().fetch("prod/binary", live());
    const value = cred.fields.get("value")!;
    assert.deepEqual([...value], [0, 1, 2, 0xfe, 0xff]);
    await cred.release();
    assert.deepEqual([...value], [0, 0, 0, 0, 0], "release zeroes the bytes");
    await assert.rejects(backend().fetch("prod/binary#k", live()), isCode("ERR_BACKEND_FAILED"));
  });

  const failures: [
    name: string,
    ref: string,
    reason: RegExp,
    setup?: () => Partial<BackendDeps>,
  ][] = [
    [
      "a missing secret",
      "prod/missing",
      /GetSecretValue failed: ResourceNotFoundException \(HTTP 400\)$/,
    ],
    ["a missing version stage", "prod/plain@AWSPENDING", /ResourceNotFoundException \(HTTP 400\)$/],
    ["a secret the key may not read", "prod/denied", /AccessDeniedException \(HTTP 400\)$/],
    ["a secret marked for deletion", "prod/deleted", /InvalidRequestException \(HTTP 400\)$/],
    ["a JSON member that does not exist", "prod/openai#nope", /credential has no field "nope"/],
    [
      "a wrong secret access key",
      "prod/plain",
      /InvalidSignatureException \(HTTP 400\)$/,
      () => ({ env: envFor({ ...user, secretAccessKey: "wrong" }) }),
    ],
    [
      "an access key AWS does not know",
      "prod/plain",
      /UnrecognizedClientException \(HTTP 400\)$/,
      () => ({ env: envFor({ accessKeyId: "AKIAUNKNOWN0000", secretAccessKey: "x" }) }),
    ],
    [
      "an endpoint whose certificate is not trusted",
      "prod/plain",
      /GetSecretValue failed: [A-Z_]+$/,
      () => ({ extraCa: [] }),
    ],
  ];
  for (const [name, ref, reason, setup] of failures) {
    it(`maps ${name} to ERR_BACKEND_FAILED naming only the AWS error code`, async () => {
      await assert.rejects(backend(setup?.()).fetch(ref, live()), (e: unknown) => {
        assert.ok(e instanceof SigilError && e.code === "ERR_BACKEND_FAILED", String(e));
        assert.match(e.reason, reason);
        assert.doesNotMatch(e.reason, /can't|sk-|not authorized|marked/);
        return true;
      });
    });
  }

  it("retries a 500 once, then fails with the service's error code", async () => {
    sm.failWith = { status: 500, type: "InternalServiceError" };
    const before = sm.calls.length;
    try {
      await assert.rejects(backend().fetch("prod/plain", live()), (e: unknown) => {
        assert.match((e as SigilError).reason, /InternalServiceError \(HTTP 500\)$/);
        return true;
      });
      assert.equal(sm.calls.length - before, 2);
    } finally {
      sm.failWith = undefined;
    }
  });

  it("gives up with the signal's reason as soon as it aborts when the service hangs", async () => {
    sm.hang = true;
    try {
      const controller = new AbortController();
      const timeout = new SigilError("ERR_BACKEND_TIMEOUT", "backend aws-sm did not answer");
      const started = Date.now();
      setTimeout(() => controller.abort(timeout), 150);
      await assert.rejects(
        backend().fetch("prod/plain", { signal: controller.signal }),
        (e) => e === timeout,
      );
      assert.ok(Date.now() - started < 1000);
    } finally {
      sm.hang = false;
    }
  });

  it("does not call the service with an already-aborted signal", async () => {
    const before = sm.requests.length;
    await assert.rejects(
      backend().fetch("prod/plain", { signal: AbortSignal.abort() }),
      isCode("ERR_BACKEND_TIMEOUT"),
    );
    assert.equal(sm.requests.length, before);
  });

  it("reuses one kept-alive TLS connection across fetches of a backend", async () => {
    const b = backend();
    const before = sm.connections;
    for (let i = 0; i < 3; i++) await (await b.fetch("prod/plain", live())).release();
    assert.equal(sm.connections - before, 1);
  });

  it("refuses a plain-http endpoint that is not loopback, before any request", async () => {
    for (const endpoint of ["http://10.0.0.7:4566", "http://localstack:4566"]) {
      await assert.rejects(backend({}, { endpoint }).fetch("prod/plain", live()), (e: unknown) => {
        assert.ok(e instanceof SigilError && e.code === "ERR_BACKEND_FAILED");
        assert.match(e.reason, /endpoint must be https:\/\//);
        return true;
      });
    }
  });

  it("refuses malformed secret references before any request", async () => {
    const before = sm.requests.length;
    for (const ref of ["", "#field", "prod/x#", "prod/x@", "prod/x#f@"]) {
      await assert.rejects(backend().fetch(ref, live()), isCode("ERR_BACKEND_FAILED"), ref);
    }
    assert.equal(sm.requests.length, before);
  });

  it("takes base credentials from a named profile in the shared credentials file", async (t) => {
    const dir = await makeTmpDir(t);
    const other = account.addUser("profile-user");
    const file = join(dir, "credentials");
    await writeFile(
      file,
      `[sigil]\naws_access_key_id = ${other.accessKeyId}\naws_secret_access_key = ${other.secretAccessKey}\n`,
    );
    const env = { AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(dir, "config") };
    const before = sm.calls.length;
    const cred = await backend({ env }, { profile: "sigil" }).fetch("prod/plain", live());
    await cred.release();
    assert.equal(sm.calls[before]!.accessKeyId, other.accessKeyId);
  });
});

const REFS: [ref: string, parsed: ReturnType<typeof parseSecretRef>][] = [
  ["prod/openai", { secretId: "prod/openai" }],
  ["prod/openai#api_key", { secretId: "prod/openai", field: "api_key" }],
  ["prod/openai@AWSPREVIOUS", { secretId: "prod/openai", stage: "AWSPREVIOUS" }],
  [
    "prod/openai#api_key@AWSCURRENT",
    { secretId: "prod/openai", field: "api_key", stage: "AWSCURRENT" },
  ],
  ["team@corp@AWSCURRENT", { secretId: "team@corp", stage: "AWSCURRENT" }],
  [
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf#password",
    {
      secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
      field: "password",
    },
  ],
];
for (const [ref, parsed] of REFS) {
  it(`the secret reference ${ref} names ${JSON.stringify(parsed)}`, () => {
    assert.deepEqual(parseSecretRef(ref), parsed);
  });
}

it("loads an AWS SDK only once a backend of its kind is created", () => {
  const script = `
    import { createRequire } from "node:module";
    const require = createRequire(import.meta.url);
    const { createBackend } = await import(${JSON.stringify(new URL("../../src/backends/index.js", import.meta.url).href)});
    const loaded = (name) => Object.keys(require.cache).some((k) => k.includes("@aws-sdk/" + name + "/"));
    const seen = [loaded("client-secrets-manager") || loaded("client-sts")];
    const env = { AWS_ACCESS_KEY_ID: "AKIAX", AWS_SECRET_ACCESS_KEY: "x" };
    const common = { region: "us-east-1", endpoint: "http://127.0.0.1:9" };
    const signal = AbortSignal.timeout(5000);
    await createBackend("a", "aws-secrets-manager", common, { env }).fetch("x", { signal }).catch(() => {});
    seen.push(loaded("client-secrets-manager"), loaded("client-sts"));
    const role_arn = "arn:aws:iam::1:role/r";
    await createBackend("b", "aws-sts", { ...common, role_arn }, { env }).fetch("", { signal }).catch(() => {});
    seen.push(loaded("client-sts"));
    console.log(JSON.stringify(seen));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
    env: { PATH: process.env["PATH"], AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [false, true, false, true]);
});
