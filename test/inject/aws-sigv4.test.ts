/**
 * The `aws-sigv4` injector's behaviour: which agent headers are replaced, how the payload hash is
 * chosen (S3, UNSIGNED-PAYLOAD, session tokens), what is refused and with which code, how the
 * service and region are inferred from the host, and which specs compile.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import type { Credential } from "../../src/backends/backend.js";
import { compileInjector } from "../../src/inject/index.js";
import type { OutboundRequest } from "../../src/inject/injector.js";
import { resolveScope } from "../../src/inject/sigv4/scope.js";
import { cred, EXAMPLE, isCode, outbound, sign, verify } from "./aws-sigv4-fixtures.js";

test("agent-sent Authorization, X-Amz-Date and X-Amz-Security-Token are replaced; other headers kept", () => {
  const req = sign(
    "aws-sigv4:execute-api:us-east-1",
    outbound({
      headers: {
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAAGENT/…, Signature=00",
        "x-amz-date": "20000101T000000Z",
        "x-amz-security-token": "agent-token",
        accept: "application/json",
      },
    }),
  );
  assert.match(String(req.headers["authorization"]), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
  assert.equal(req.headers["x-amz-date"], "20150830T123600Z");
  assert.equal(
    req.headers["x-amz-security-token"],
    undefined,
    "no token in a long-term credential",
  );
  assert.equal(req.headers["accept"], "application/json");
});

test("the payload hash covers the buffered body, and a changed body fails verification", () => {
  const body = Buffer.from("Action=GetCallerIdentity&Version=2011-06-15");
  const req = sign(
    "aws-sigv4:sts:us-east-1",
    outbound({ method: "POST", host: "sts.amazonaws.com", body }),
  );
  assert.equal(verify(req, "sts", "us-east-1").ok, true);
  const tampered = verify(
    { ...req, body: Buffer.from("Action=AssumeRole&Version=2011-06-15") },
    "sts",
    "us-east-1",
  );
  assert.equal(tampered.ok ? "ok" : tampered.reason, "SignatureDoesNotMatch");
});

test("S3 always gets x-amz-content-sha256; UNSIGNED-PAYLOAD is kept only when the agent asked on S3", () => {
  const body = Buffer.from("bytes");
  const hash = createHash("sha256").update(body).digest("hex");
  const s3 = sign(
    "aws-sigv4",
    outbound({ method: "PUT", host: "bkt.s3.eu-west-1.amazonaws.com", path: "/k", body }),
  );
  assert.equal(s3.headers["x-amz-content-sha256"], hash);
  const unsigned = sign(
    "aws-sigv4",
    outbound({
      method: "PUT",
      host: "bkt.s3.eu-west-1.amazonaws.com",
      path: "/k",
      body,
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    }),
  );
  assert.equal(unsigned.headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
  assert.equal(verify(unsigned, "s3", "eu-west-1").ok, true);
  const elsewhere = sign(
    "aws-sigv4:execute-api:us-east-1",
    outbound({ body, headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }),
  );
  assert.equal(elsewhere.headers["x-amz-content-sha256"], hash);
  assert.equal(verify(elsewhere, "execute-api", "us-east-1").ok, true);
});

test("a session token is sent as X-Amz-Security-Token and signed", () => {
  const keys = { ...EXAMPLE, sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE" };
  const req = sign("aws-sigv4:sts:us-east-1", outbound({ host: "sts.amazonaws.com" }), cred(keys));
  assert.equal(req.headers["x-amz-security-token"], keys.sessionToken);
  assert.match(
    String(req.headers["authorization"]),
    /SignedHeaders=host;x-amz-date;x-amz-security-token,/,
  );
  assert.equal(verify(req, "sts", "us-east-1", keys).ok, true);
});

const REFUSALS: {
  name: string;
  code: string;
  req: OutboundRequest;
  spec?: string;
  c?: Credential;
}[] = [
  {
    name: "a chunk-signed streaming upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)",
    code: "ERR_BAD_REQUEST",
    req: outbound({
      method: "PUT",
      host: "b.s3.us-east-1.amazonaws.com",
      headers: { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" },
    }),
  },
  {
    name: "an aws-chunked content encoding",
    code: "ERR_BAD_REQUEST",
    req: outbound({
      method: "PUT",
      host: "b.s3.us-east-1.amazonaws.com",
      headers: { "content-encoding": "aws-chunked,gzip" },
    }),
  },
  {
    name: "a presigned URL's query parameters",
    code: "ERR_BAD_REQUEST",
    req: outbound({
      host: "b.s3.us-east-1.amazonaws.com",
      path: "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00",
    }),
  },
  {
    name: "a presigned URL whose parameter name is percent-encoded (X-Amz-%53ignature)",
    code: "ERR_BAD_REQUEST",
    req: outbound({ host: "b.s3.us-east-1.amazonaws.com", path: "/k?X-Amz-%53ignature=00" }),
  },
  {
    name: "a presigned URL's credential parameter, encoded and lower-case",
    code: "ERR_BAD_REQUEST",
    req: outbound({ host: "b.s3.us-east-1.amazonaws.com", path: "/k?a=1&x-amz-%63redential=AK" }),
  },
  {
    name: "a host whose service and region cannot be inferred",
    code: "ERR_BAD_REQUEST",
    req: outbound({ host: "api.example.com" }),
  },
  {
    name: "an access key id that could break the Authorization header",
    code: "ERR_INJECTION_FAILED",
    req: outbound(),
    spec: "aws-sigv4:service:us-east-1",
    c: cred({ accessKeyId: "AKID/1, Signature=x", secretAccessKey: "s" }),
  },
  {
    name: "a session token containing a line break",
    code: "ERR_INJECTION_FAILED",
    req: outbound(),
    spec: "aws-sigv4:service:us-east-1",
    c: cred({ ...EXAMPLE, sessionToken: "tok\r\nX-Evil: 1" }),
  },
  {
    name: "a credential without secretAccessKey",
    code: "ERR_INJECTION_FAILED",
    req: outbound(),
    spec: "aws-sigv4:service:us-east-1",
    c: cred({ accessKeyId: "AKIDEXAMPLE" }),
  },
];

for (const r of REFUSALS) {
  test(`signing refuses ${r.name} with ${r.code} and leaves the request unsigned`, () => {
    const req = structuredClone(r.req);
    assert.throws(() => sign(r.spec ?? "aws-sigv4", req, r.c ?? cred()), isCode(r.code));
    assert.equal(req.headers["authorization"], undefined);
    assert.equal(req.headers["x-amz-date"], undefined);
  });
}

const HOSTS: [host: string, service: string | undefined, region: string | undefined][] = [
  ["secretsmanager.eu-west-1.amazonaws.com", "secretsmanager", "eu-west-1"],
  ["bedrock-runtime.us-west-2.amazonaws.com:443", "bedrock", "us-west-2"],
  ["sts.amazonaws.com", "sts", "us-east-1"],
  ["iam.amazonaws.com", "iam", "us-east-1"],
  ["sts-fips.us-east-2.amazonaws.com", "sts", "us-east-2"],
  ["my.bucket.s3.ap-southeast-2.amazonaws.com", "s3", "ap-southeast-2"],
  ["s3.dualstack.eu-central-1.amazonaws.com", "s3", "eu-central-1"],
  ["bucket.s3-us-west-1.amazonaws.com", "s3", "us-west-1"],
  ["bucket.s3.amazonaws.com", "s3", "us-east-1"],
  ["abc123.execute-api.eu-west-3.amazonaws.com", "execute-api", "eu-west-3"],
  ["search-logs.us-east-1.es.amazonaws.com", "es", "us-east-1"],
  ["dynamodb.cn-north-1.amazonaws.com.cn", "dynamodb", "cn-north-1"],
  ["bucket.s3-accelerate.amazonaws.com", undefined, undefined],
  ["api.openai.com", undefined, undefined],
];

for (const [host, service, region] of HOSTS) {
  test(`the scope for host ${host} is ${service ?? "not inferable"}${region ? ` in ${region}` : ""}`, () => {
    const scope = resolveScope(host);
    assert.deepEqual(scope && [scope.service, scope.region], service && [service, region]);
  });
}

test("a spec naming the service and region wins over the host; a service alone takes the host's region", () => {
  assert.deepEqual(
    resolveScope("bedrock-runtime.us-west-2.amazonaws.com", "execute-api", "eu-west-1"),
    {
      service: "execute-api",
      region: "eu-west-1",
      s3: false,
    },
  );
  assert.deepEqual(resolveScope("bkt.s3.us-west-2.amazonaws.com", "s3"), {
    service: "s3",
    region: "us-west-2",
    s3: true,
  });
});

test("aws-sigv4 compiles with 0, 1 or 2 arguments, needs the key fields and the body", () => {
  for (const spec of ["aws-sigv4", "aws-sigv4:s3", "aws-sigv4:execute-api:eu-west-1"]) {
    const inj = compileInjector(spec);
    assert.deepEqual(inj.requiredFields, ["accessKeyId", "secretAccessKey"]);
    assert.equal(inj.needsBody, true);
  }
  for (const spec of [
    "aws-sigv4:S3",
    "aws-sigv4:s3:us-east-1:extra",
    "aws-sigv4::us-east-1",
    "aws-sigv4:s3:",
  ]) {
    assert.throws(() => compileInjector(spec), isCode("ERR_USAGE"), spec);
  }
});

test("the signature it computed is handed over for masking as the Authorization value, hex and raw bytes", () => {
  const req = sign("aws-sigv4:execute-api:us-east-1", outbound());
  const value = String(req.headers["authorization"]);
  const hex = /Signature=([0-9a-f]{64})$/.exec(value)![1]!;
  assert.deepEqual(
    req.derivedSecrets?.map((b) => b.toString("hex")),
    [Buffer.from(value).toString("hex"), Buffer.from(hex).toString("hex"), hex],
  );
});

test("signsHeader: every agent-sent x-amz-* header but the ones the injector replaces", () => {
  const inj = compileInjector("aws-sigv4");
  const signs = inj.signsHeader!;
  for (const name of ["x-amz-target", "x-amz-acl", "x-amz-copy-source"]) {
    assert.equal(signs(name, "v"), true, name);
  }
  for (const name of ["x-amz-date", "x-amz-security-token", "authorization", "content-type"]) {
    assert.equal(signs(name, "v"), false, name);
  }
  assert.equal(signs("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), true, "kept as sent");
  assert.equal(signs("x-amz-content-sha256", "e3b0c442"), false, "replaced by the real hash");
  assert.equal(compileInjector("header:x-api-key={value}").signsHeader, undefined);
});
