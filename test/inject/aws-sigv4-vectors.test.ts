/**
 * The SigV4 signer against AWS's published vectors (the SigV4 test suite and the IAM documentation
 * example), the independent verifier against the same vectors, and the signer against
 * @smithy/signature-v4 on paths, queries, headers, bodies and session tokens.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { OutboundRequest } from "../../src/inject/injector.js";
import { resolveScope } from "../../src/inject/sigv4/scope.js";
import { AT, cred, EXAMPLE, outbound, sign, verify } from "./aws-sigv4-fixtures.js";

const VECTORS = [
  {
    name: "get-vanilla (AWS SigV4 test suite)",
    spec: "aws-sigv4:service:us-east-1",
    req: outbound(),
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    signed: "host;x-amz-date",
  },
  {
    name: "get-vanilla-query-order-key-case (AWS SigV4 test suite)",
    spec: "aws-sigv4:service:us-east-1",
    req: outbound({ path: "/?Param2=value2&Param1=value1" }),
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    signed: "host;x-amz-date",
  },
  {
    name: "IAM ListUsers (AWS documentation example), service and region inferred from the host",
    spec: "aws-sigv4",
    req: outbound({
      host: "iam.amazonaws.com",
      path: "/?Action=ListUsers&Version=2010-05-08",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    }),
    signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    signed: "content-type;host;x-amz-date",
  },
];

for (const v of VECTORS) {
  test(`the signer reproduces AWS's published signature for ${v.name}`, () => {
    const req = sign(v.spec, structuredClone(v.req));
    const scope = resolveScope(v.req.host, ...(v.spec.split(":").slice(1) as [string?, string?]))!;
    assert.equal(req.headers["x-amz-date"], "20150830T123600Z");
    assert.equal(
      req.headers["authorization"],
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${v.signed}, Signature=${v.signature}`,
    );
  });

  test(`the independent verifier accepts AWS's published signature for ${v.name} and rejects a changed one`, () => {
    const scope = resolveScope(v.req.host, ...(v.spec.split(":").slice(1) as [string?, string?]))!;
    const auth = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${v.signed}, Signature=`;
    const req = { ...v.req, headers: { ...v.req.headers, "x-amz-date": "20150830T123600Z" } };
    assert.deepEqual(
      verify(
        { ...req, headers: { ...req.headers, authorization: auth + v.signature } },
        scope.service,
        scope.region,
      ).ok,
      true,
    );
    const flipped = (v.signature.startsWith("0") ? "1" : "0") + v.signature.slice(1);
    const bad = verify(
      { ...req, headers: { ...req.headers, authorization: auth + flipped } },
      scope.service,
      scope.region,
    );
    assert.deepEqual(bad.ok ? "ok" : bad.reason, "SignatureDoesNotMatch");
  });
}

const CROSS_CHECK: { name: string; service: string; req: OutboundRequest; token?: string }[] = [
  {
    name: "a path with spaces, reserved and non-ASCII characters",
    service: "execute-api",
    req: outbound({ path: "/prod/caf%C3%A9/a%20b/%21%28x%29/raw!'()*~" }),
  },
  {
    name: "a dotted, doubled-slash path (normalised outside S3)",
    service: "execute-api",
    req: outbound({ path: "/a/./b//c/../d/" }),
  },
  {
    name: "repeated, empty and encoded query parameters",
    service: "execute-api",
    req: outbound({ path: "/q?b=2&a=z&a=y&empty=&flag&sp=a%20b&sl=a%2Fb&star=%2A&bang=!&t=~" }),
  },
  {
    name: "a POST with a JSON body, a session token and several x-amz headers",
    service: "bedrock",
    token: "FQoGZXIvYXdzEXAMPLE+token/with=chars",
    req: outbound({
      method: "POST",
      path: "/model/anthropic.claude/invoke",
      headers: {
        "content-type": "application/json",
        "x-amz-target": "Svc.Op",
        "x-amz-meta-note": "  two   spaces  ",
      },
      body: Buffer.from('{"prompt":"hello"}'),
    }),
  },
  {
    name: "an S3 key with a double slash and dots (not normalised)",
    service: "s3",
    req: outbound({
      method: "PUT",
      path: "/bucket/a//b/./c%20d.txt",
      body: Buffer.from("object bytes"),
    }),
  },
];

for (const c of CROSS_CHECK) {
  test(`the signer agrees with @smithy/signature-v4 on ${c.name}`, async () => {
    const keys = { ...EXAMPLE, ...(c.token ? { sessionToken: c.token } : {}) };
    const ours = sign(`aws-sigv4:${c.service}:eu-west-1`, structuredClone(c.req), cred(keys));
    const [path, query = ""] = c.req.path.split("?") as [string, string?];
    const q: Record<string, string | string[]> = {};
    for (const piece of query.split("&").filter(Boolean)) {
      const [k, v = ""] = piece.split("=").map(decodeURIComponent) as [string, string?];
      const prev = q[k];
      q[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    const s3 = c.service === "s3";
    const smithy = new SignatureV4({
      service: c.service,
      region: "eu-west-1",
      sha256: Hash.bind(null, "sha256"),
      credentials: keys,
      uriEscapePath: !s3,
      applyChecksum: s3,
    });
    const theirs = await smithy.sign(
      {
        method: c.req.method,
        protocol: "https:",
        hostname: c.req.host,
        path,
        query: q,
        headers: { host: c.req.host, ...(c.req.headers as Record<string, string>) },
        body: c.req.body,
      },
      { signingDate: new Date(AT) },
    );
    assert.equal(ours.headers["authorization"], theirs.headers["authorization"]);
    const check = verify(ours, c.service, "eu-west-1", keys);
    assert.equal(check.ok, true, check.ok ? "" : check.detail);
  });
}
