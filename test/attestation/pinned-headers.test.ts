/**
 * Pinned request headers (`metadata.headers`, issue 14): each pinned header must be sent once with
 * the pinned value, and each header the route's injector signs must be pinned.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkPinnedHeaders } from "../../src/attestation/pinned-headers.js";
import type { LiveHeaders } from "../../src/live-headers.js";
import { signsAgentHeader } from "../../src/inject/aws-sigv4.js";
import { SigilError } from "../../src/errors.js";

const TARGET = { "x-amz-target": "secretsmanager.GetSecretValue" };
const intentWith = (headers: unknown) => ({ action: "http", metadata: { nonce: "n", headers } });

function codeOf(fn: () => void): string {
  try {
    fn();
    return "passed";
  } catch (err) {
    assert.ok(err instanceof SigilError);
    return err.code;
  }
}

describe("checkPinnedHeaders", () => {
  const cases: {
    name: string;
    intent: Record<string, unknown>;
    headers: LiveHeaders;
    signed?: boolean;
    code: string;
  }[] = [
    {
      name: "an intent without metadata pins nothing",
      intent: { action: "http" },
      headers: TARGET,
      code: "passed",
    },
    {
      name: "a pinned header sent with the pinned value passes",
      intent: intentWith(TARGET),
      headers: { ...TARGET, accept: "*/*" },
      signed: true,
      code: "passed",
    },
    {
      name: "a signed x-amz-* header that is not pinned is a mismatch",
      intent: intentWith({}),
      headers: { "x-amz-target": "secretsmanager.DeleteSecret" },
      signed: true,
      code: "ERR_ATTESTATION_MISMATCH",
    },
    {
      name: "a pinned header sent with another value is a mismatch",
      intent: intentWith(TARGET),
      headers: { "x-amz-target": "secretsmanager.DeleteSecret" },
      code: "ERR_ATTESTATION_MISMATCH",
    },
    {
      name: "a pinned header the request does not carry is a mismatch",
      intent: intentWith({ "x-api-version": "2" }),
      headers: {},
      code: "ERR_ATTESTATION_MISMATCH",
    },
    {
      name: "a pinned header sent twice is a mismatch",
      intent: intentWith(TARGET),
      headers: {
        "x-amz-target": ["secretsmanager.GetSecretValue", "secretsmanager.GetSecretValue"],
      },
      code: "ERR_ATTESTATION_MISMATCH",
    },
    {
      name: "headers the injector replaces (x-amz-date) need no pin",
      intent: intentWith({}),
      headers: { "x-amz-date": "20250101T000000Z", "x-amz-security-token": "t" },
      signed: true,
      code: "passed",
    },
    {
      name: "a payload hash (replaced by the body's real one) needs no pin",
      intent: intentWith({}),
      headers: {
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      },
      signed: true,
      code: "passed",
    },
    {
      name: "UNSIGNED-PAYLOAD (signed as sent) must be pinned",
      intent: intentWith({}),
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      signed: true,
      code: "ERR_ATTESTATION_MISMATCH",
    },
    {
      name: "unsigned headers need no pin on a signing route",
      intent: intentWith({}),
      headers: { "content-type": "application/json" },
      signed: true,
      code: "passed",
    },
    {
      name: "an upper-case pinned name is invalid",
      intent: intentWith({ "X-Amz-Target": "x" }),
      headers: {},
      code: "ERR_ATTESTATION_INVALID",
    },
    {
      name: "a non-string pinned value is invalid",
      intent: intentWith({ "x-amz-acl": 1 }),
      headers: {},
      code: "ERR_ATTESTATION_INVALID",
    },
    {
      name: "metadata.headers as an array is invalid",
      intent: intentWith(["x-amz-acl"]),
      headers: {},
      code: "ERR_ATTESTATION_INVALID",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const mustPin = c.signed ? signsAgentHeader : undefined;
      assert.equal(
        codeOf(() => checkPinnedHeaders(c.intent, c.headers, mustPin)),
        c.code,
      );
    });
  }

  it("names the unpinned header in the reason", () => {
    assert.throws(
      () => checkPinnedHeaders(intentWith({}), { "x-amz-acl": "public-read" }, signsAgentHeader),
      (err: SigilError) => /x-amz-acl .*not pinned/.test(err.reason),
    );
  });
});
