/**
 * Which AWS operation a request performs (issue 14), and the route allow-list built on it: JSON
 * services by X-Amz-Target, Query services by Action=, S3 by method, path, subresource and
 * x-amz-copy-source. Anything not derivable is refused, never guessed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkAwsOperation,
  compileAwsOperations,
  deriveAwsOperation,
  type OperationRequest,
} from "../../src/routing/aws-operation.js";
import { SigilError } from "../../src/errors.js";

const SM = "secretsmanager.us-east-1.amazonaws.com";
const S3 = "s3.us-east-1.amazonaws.com";
const VHOST = "photos.s3.eu-west-1.amazonaws.com";

function req(
  method: string,
  host: string,
  pathWithQuery: string,
  headers: OperationRequest["headers"] = {},
  body?: string,
): OperationRequest {
  const q = pathWithQuery.indexOf("?");
  return {
    method,
    host,
    path: q < 0 ? pathWithQuery : pathWithQuery.slice(0, q),
    query: q < 0 ? "" : pathWithQuery.slice(q + 1),
    headers,
    ...(body !== undefined ? { body: Buffer.from(body) } : {}),
  };
}

describe("deriveAwsOperation", () => {
  const cases: [string, OperationRequest, string][] = [
    [
      "a JSON service by X-Amz-Target",
      req("POST", SM, "/", { "x-amz-target": "secretsmanager.DeleteSecret" }),
      "DeleteSecret",
    ],
    [
      "a dotted target by its last part",
      req("POST", "cloudtrail.us-east-1.amazonaws.com", "/", {
        "x-amz-target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StopLogging",
      }),
      "StopLogging",
    ],
    [
      "a Query service by Action in the query",
      req("GET", "iam.amazonaws.com", "/?Action=ListUsers&Version=2010-05-08"),
      "ListUsers",
    ],
    [
      "a Query service by an encoded Action name",
      req("GET", "iam.amazonaws.com", "/?%41ction=DeleteUser"),
      "DeleteUser",
    ],
    [
      "a Query service by Action in a form body",
      req(
        "POST",
        "sts.amazonaws.com",
        "/",
        { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        "Version=2011-06-15&Action=AssumeRole",
      ),
      "AssumeRole",
    ],
    ["S3 GetObject (path-style)", req("GET", S3, "/bucket/a/b.txt"), "GetObject"],
    [
      "S3 GetObject (virtual-hosted)",
      req("GET", VHOST, "/a/b.txt?versionId=3&x-id=GetObject"),
      "GetObject",
    ],
    ["S3 HeadObject", req("HEAD", VHOST, "/k"), "HeadObject"],
    ["S3 PutObject", req("PUT", VHOST, "/k"), "PutObject"],
    [
      "S3 CopyObject by x-amz-copy-source",
      req("PUT", VHOST, "/k", { "x-amz-copy-source": "/other/secret" }),
      "CopyObject",
    ],
    ["S3 DeleteObject", req("DELETE", S3, "/bucket/k"), "DeleteObject"],
    ["S3 ListObjectsV2", req("GET", VHOST, "/?list-type=2&prefix=a/"), "ListObjectsV2"],
    [
      "S3 ListObjects on a path-style bucket with a trailing slash",
      req("GET", S3, "/bucket/"),
      "ListObjects",
    ],
    ["S3 ListBuckets", req("GET", S3, "/"), "ListBuckets"],
    ["S3 CreateMultipartUpload", req("POST", VHOST, "/k?uploads"), "CreateMultipartUpload"],
    ["S3 UploadPart", req("PUT", VHOST, "/k?partNumber=1&uploadId=u"), "UploadPart"],
    [
      "S3 UploadPartCopy",
      req("PUT", VHOST, "/k?partNumber=1&uploadId=u", { "x-amz-copy-source": "/b/k" }),
      "UploadPartCopy",
    ],
    ["S3 CompleteMultipartUpload", req("POST", VHOST, "/k?uploadId=u"), "CompleteMultipartUpload"],
    ["S3 PutObjectAcl", req("PUT", VHOST, "/k?acl"), "PutObjectAcl"],
    ["S3 PutBucketPolicy", req("PUT", VHOST, "/?policy"), "PutBucketPolicy"],
    ["S3 DeleteObjects", req("POST", VHOST, "/?delete"), "DeleteObjects"],
    [
      "S3 on a private endpoint (path-style)",
      req("GET", "minio.internal:9000", "/bucket/k"),
      "GetObject",
    ],
  ];
  for (const [name, r, op] of cases) {
    it(name, () => {
      const service = r.host.startsWith("minio") ? "s3" : undefined;
      const got = deriveAwsOperation(service, r);
      assert.deepEqual(got.ok ? got.name : got.why, op);
    });
  }

  const underivable: [string, OperationRequest][] = [
    ["a JSON call without X-Amz-Target", req("POST", SM, "/", {}, "{}")],
    [
      "X-Amz-Target sent twice",
      req("POST", SM, "/", { "x-amz-target": ["a.GetSecretValue", "a.DeleteSecret"] }),
    ],
    [
      "X-Amz-Target and Action that disagree",
      req("POST", SM, "/?Action=GetSecretValue", { "x-amz-target": "secretsmanager.DeleteSecret" }),
    ],
    [
      "Action in query and body that disagree",
      req(
        "POST",
        "sts.amazonaws.com",
        "/?Action=GetCallerIdentity",
        { "content-type": "application/x-www-form-urlencoded" },
        "Action=AssumeRole",
      ),
    ],
    ["Action given twice", req("GET", "iam.amazonaws.com", "/?Action=ListUsers&action=DeleteUser")],
    [
      "a REST API other than S3",
      req("POST", "lambda.us-east-1.amazonaws.com", "/2015-03-31/functions/f/invocations"),
    ],
    ["an S3 request with an unknown query parameter", req("GET", VHOST, "/k?torrentz")],
    ["an S3 request with two subresources", req("PUT", VHOST, "/k?acl&tagging")],
    ["an S3 request whose x-id disagrees", req("DELETE", VHOST, "/k?x-id=GetObject")],
    ["an S3 POST form upload", req("POST", VHOST, "/")],
    ["x-amz-copy-source on a GET", req("GET", VHOST, "/k", { "x-amz-copy-source": "/b/k" })],
    [
      "an S3 Control endpoint",
      req("GET", "123456789012.s3-control.us-east-1.amazonaws.com", "/v20180820/accesspoint/ap"),
    ],
    ["a host whose service cannot be inferred", req("GET", "api.example.com", "/")],
  ];
  for (const [name, r] of underivable) {
    it(`cannot name the operation of ${name}`, () => {
      assert.equal(deriveAwsOperation(undefined, r).ok, false);
    });
  }
});

describe("checkAwsOperation", () => {
  const list = compileAwsOperations(
    ["GetSecretValue", "secretsmanager.DescribeSecret"],
    "aws-sigv4",
  );
  const target = (t: string) => req("POST", SM, "/", { "x-amz-target": t });
  const outcome = (r: OperationRequest) => {
    try {
      checkAwsOperation(list, r);
      return "allowed";
    } catch (err) {
      assert.ok(err instanceof SigilError);
      return err.code;
    }
  };
  it("allows a listed operation name for any target prefix", () => {
    assert.equal(outcome(target("secretsmanager.GetSecretValue")), "allowed");
  });
  it("allows a listed full target only for that target", () => {
    assert.equal(outcome(target("secretsmanager.DescribeSecret")), "allowed");
    assert.equal(outcome(target("other.DescribeSecret")), "ERR_NO_ROUTE");
  });
  it("refuses an operation outside the list with ERR_NO_ROUTE", () => {
    assert.equal(outcome(target("secretsmanager.DeleteSecret")), "ERR_NO_ROUTE");
  });
  it("refuses a request whose operation cannot be derived (fail closed)", () => {
    assert.equal(outcome(req("POST", SM, "/")), "ERR_NO_ROUTE");
  });
  it("compiles only with aws-sigv4 injection and valid names", () => {
    assert.throws(
      () => compileAwsOperations(["GetObject"], "header:x-api-key={value}"),
      /aws-sigv4/,
    );
    assert.throws(() => compileAwsOperations(["Get Object"], "aws-sigv4"), /invalid AWS operation/);
    assert.throws(() => compileAwsOperations([], "aws-sigv4:s3"), /at least one/);
    assert.equal(compileAwsOperations(["GetObject"], "aws-sigv4:s3:us-east-1").service, "s3");
  });
});
