/**
 * The intent the client builds for one request (issue 11): Sign's closed schema only, the body
 * pinned in metadata, a fresh nonce each time, and the x-amz-* headers SigV4 routes must pin.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { authorizeRequest } from "../../src/dev/sign-schema.js";
import { buildHttpIntent, encodeIntentHeader, txCommitOf } from "../../src/client/index.js";
import { pgCommit } from "../../src/canonical-json.js";

const URL_ = "https://api.example.test/v1/things?b=2&a=1";

describe("buildHttpIntent", () => {
  it("describes a bodiless request by method, URL, host, path and query, with a nonce", () => {
    const intent = buildHttpIntent({ method: "get", url: URL_, headers: [], nonce: "n-1" });
    assert.deepEqual(intent, {
      action: "http",
      method: "GET",
      url: URL_,
      host: "api.example.test",
      path: "/v1/things",
      query: "b=2&a=1",
      metadata: { nonce: "n-1" },
    });
  });

  it("pins the body's size, type and SHA-256 in body_projection and metadata", () => {
    const bytes = Buffer.from('{"x":1}');
    const intent = buildHttpIntent({
      method: "POST",
      url: "https://api.example.test/v1/x",
      headers: [],
      body: { bytes, contentType: "application/json" },
    });
    assert.deepEqual(intent.body_projection, { content_type: "application/json", size_bytes: 7 });
    assert.equal(intent.metadata.body_sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(intent.query, undefined);
  });

  it("pins x-amz-* headers lower-cased with exact values, except those SigV4 computes", () => {
    const sha = createHash("sha256").update("").digest("hex");
    const intent = buildHttpIntent({
      method: "POST",
      url: "https://s3.example.test/bucket/key",
      headers: [
        ["X-Amz-Server-Side-Encryption", "aws:kms"],
        ["x-amz-meta-Owner", " Ada "],
        ["X-Amz-Date", "20250101T000000Z"],
        ["x-amz-content-sha256", sha],
        ["X-Amz-Security-Token", "t"],
        ["Authorization", "AWS4-HMAC-SHA256 …"],
      ],
    });
    assert.deepEqual(intent.metadata.headers, {
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-meta-owner": " Ada ",
    });
  });

  it("pins x-amz-content-sha256 when it is UNSIGNED-PAYLOAD (Vault keeps it as sent)", () => {
    const intent = buildHttpIntent({
      method: "PUT",
      url: "https://s3.example.test/bucket/key",
      headers: [["x-amz-content-sha256", "UNSIGNED-PAYLOAD"]],
    });
    assert.deepEqual(intent.metadata.headers, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
  });

  it("draws a fresh nonce for every intent, so identical requests get distinct tokens", () => {
    const make = () => buildHttpIntent({ method: "GET", url: URL_, headers: [] });
    assert.notEqual(txCommitOf(make()), txCommitOf(make()));
  });

  it("passes Sign's closed request schema", () => {
    const intent = buildHttpIntent({
      method: "PUT",
      url: "https://s3.example.test/b/k?x=1",
      headers: [["x-amz-acl", "private"]],
      body: { bytes: Buffer.from("hello"), contentType: "text/plain" },
    });
    const body = { agentId: "a", framework: "f", txCommit: txCommitOf(intent), intent };
    assert.equal(authorizeRequest.safeParse(body).success, true);
  });

  it("encodes X-Sigil-Intent as base64url canonical JSON that hashes to txCommit", () => {
    const intent = buildHttpIntent({ method: "GET", url: URL_, headers: [], nonce: "é" });
    const decoded = JSON.parse(Buffer.from(encodeIntentHeader(intent), "base64url").toString());
    assert.equal(pgCommit(decoded), txCommitOf(intent));
    assert.doesNotMatch(encodeIntentHeader(intent), /[=+/]/);
  });
});
