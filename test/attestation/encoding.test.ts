/**
 * Canonical base64url and strict JSON: the two parsers every untrusted token and intent goes
 * through. Each spelling that a lenient decoder would accept must be refused here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeBase64url, encodeBase64url } from "../../src/attestation/base64url.js";
import {
  parseJsonObject,
  parseJsonObjectBytes,
  StrictJsonError,
} from "../../src/attestation/strict-json.js";

describe("decodeBase64url", () => {
  const refused: [string, string][] = [
    ["padding", "YWI="],
    ["a '+' character", "a+b"],
    ["a '/' character", "a/b"],
    ["a space", "YW I"],
    ["a newline", "YWI\n"],
    ["a non-ASCII character", "YWé"],
    ["an impossible length (4n+1)", "YWJjZ"],
    ["non-zero trailing bits in a 2-char group", "YR"],
    ["non-zero trailing bits in a 3-char group", "YWJ"],
  ];
  for (const [what, text] of refused) {
    it(`refuses ${what}`, () => assert.equal(decodeBase64url(text), undefined));
  }

  it("decodes canonical text and round-trips every length", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      const text = encodeBase64url(bytes);
      assert.deepEqual(decodeBase64url(text), bytes);
    }
    assert.equal(decodeBase64url("-_8")?.toString("hex"), "fbff");
  });
});

describe("parseJsonObject", () => {
  const refused: [string, string, string][] = [
    ["a duplicate top-level member", '{"a":1,"a":1}', "duplicate"],
    ["a duplicate nested member", '{"a":{"b":1,"c":[{"d":1,"d":2}]}}', "duplicate"],
    ["a duplicate spelled with an escape", '{"a":1,"\\u0061":2}', "duplicate"],
    ["a top-level array", "[1,2]", "not a JSON object"],
    ["a top-level string", '"x"', "not a JSON object"],
    ["null", "null", "not a JSON object"],
    ["trailing garbage", '{"a":1} x', "not valid JSON"],
    ["single quotes", "{'a':1}", "not valid JSON"],
  ];
  for (const [what, text, reason] of refused) {
    it(`refuses ${what}`, () =>
      assert.throws(
        () => parseJsonObject(text),
        (err: unknown) => err instanceof StrictJsonError && err.message.includes(reason),
      ));
  }

  it("accepts equal names in different objects and keys that look like structure", () => {
    const text = '{"a":{"a":1},"b":[{"a":2},{"a":3}],"c":"{\\"a\\":1,","d\\"":"}","e":[]}';
    assert.deepEqual(parseJsonObject(text), JSON.parse(text));
  });

  it("refuses bytes that are not UTF-8", () =>
    assert.throws(
      () => parseJsonObjectBytes(Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d])),
      (err: unknown) => err instanceof StrictJsonError && err.message.includes("UTF-8"),
    ));
});
