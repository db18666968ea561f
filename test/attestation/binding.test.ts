/**
 * Intent binding (spec §5.4): the intent header must hash to the token's intentHash and describe
 * the live request. Each mismatch names the differing part without echoing values.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  checkBodyHash,
  checkIntentBinding,
  type BindingMode,
} from "../../src/attestation/binding.js";
import type { VerifiedAttestation } from "../../src/attestation/verify.js";
import { SigilError } from "../../src/errors.js";
import { b64 } from "../helpers/tokens.js";

const LIVE = { method: "POST", url: "https://api.example.com/v1/chat?model=x&n=1" };
const BASE = { action: "http", method: "POST", url: LIVE.url, task_id: "t-1" };
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

type Intent = Record<string, string | Record<string, string>>;

/** Independent pg-commit-v1 for string-valued intents, one level of nesting (keys sorted, no whitespace). */
function txCommitOf(intent: Intent): string {
  const canon = (o: Intent | Record<string, string>): string =>
    "{" +
    Object.keys(o)
      .sort()
      .map((k) => {
        const v = o[k]!;
        return `${JSON.stringify(k)}:${typeof v === "string" ? JSON.stringify(v) : canon(v)}`;
      })
      .join(",") +
    "}";
  return sha256(canon(intent));
}

function attFor(intent: Intent | undefined): VerifiedAttestation {
  return {
    replayId: "jti:x",
    iss: "sigil-core",
    kid: "k1",
    agentId: "agent-1",
    ...(intent ? { intentHash: sha256(txCommitOf(intent)) } : {}),
    iat: 1,
    exp: 61,
    claims: {},
  };
}

/** The header for `intent`, with an attestation that committed to `attested` (default: the same). */
function bound(intent: Intent, attested = intent) {
  return { header: b64(JSON.stringify(intent)), att: attFor(attested) };
}

interface Case {
  name: string;
  intent: Record<string, string>;
  live?: { method: string; url: string };
  reason?: string;
}

const matching: Case[] = [
  { name: "the exact intent", intent: BASE },
  { name: "a lower-case method", intent: { ...BASE, method: "post" } },
  {
    name: "an upper-case host",
    intent: { ...BASE, url: "https://API.Example.COM/v1/chat?model=x&n=1" },
  },
  {
    name: "an explicit default port",
    intent: { ...BASE, url: "https://api.example.com:443/v1/chat?model=x&n=1" },
  },
  { name: "a fragment", intent: { ...BASE, url: LIVE.url + "#frag" } },
  {
    name: "a dot segment that resolves to the same path",
    intent: { ...BASE, url: "https://api.example.com/v1/x/../chat?model=x&n=1" },
  },
  {
    name: "a non-default port on both sides",
    intent: { ...BASE, url: "https://api.example.com:8443/v1" },
    live: { method: "POST", url: "https://api.example.com:8443/v1" },
  },
];

const mismatching: Case[] = [
  { name: "another method", intent: { ...BASE, method: "GET" }, reason: "method" },
  {
    name: "another scheme",
    intent: { ...BASE, url: "http://api.example.com/v1/chat?model=x&n=1" },
    reason: "scheme",
  },
  {
    name: "another host",
    intent: { ...BASE, url: "https://api.example.org/v1/chat?model=x&n=1" },
    reason: "host",
  },
  {
    name: "another port",
    intent: { ...BASE, url: "https://api.example.com:8443/v1/chat?model=x&n=1" },
    reason: "port",
  },
  {
    name: "another path",
    intent: { ...BASE, url: "https://api.example.com/v1/chats?model=x&n=1" },
    reason: "path",
  },
  {
    name: "another query",
    intent: { ...BASE, url: "https://api.example.com/v1/chat?model=y&n=1" },
    reason: "query",
  },
  {
    name: "reordered query parameters",
    intent: { ...BASE, url: "https://api.example.com/v1/chat?n=1&model=x" },
    reason: "query",
  },
  {
    name: "a missing query",
    intent: { ...BASE, url: "https://api.example.com/v1/chat" },
    reason: "query",
  },
  {
    name: "userinfo in the intent url",
    intent: { ...BASE, url: "https://u:p@api.example.com/v1/chat?model=x&n=1" },
    reason: "userinfo",
  },
  {
    name: "a relative intent url",
    intent: { ...BASE, url: "/v1/chat" },
    reason: "not an absolute URL",
  },
  { name: "an action other than http", intent: { ...BASE, action: "web_fetch" }, reason: "action" },
  { name: "no method", intent: { action: "http", url: LIVE.url }, reason: "method" },
];

describe("checkIntentBinding verifies", () => {
  for (const c of matching) {
    it(`an intent with ${c.name}`, () => {
      const { header, att } = bound(c.intent);
      assert.deepEqual(checkIntentBinding(header, att, c.live ?? LIVE, "optional"), {
        result: "verified",
      });
    });
  }

  it("returns a pinned body hash in lower case for the pipeline to check", () => {
    const { header, att } = bound({ ...BASE, body_sha256: "AB".repeat(32) });
    assert.deepEqual(checkIntentBinding(header, att, LIVE, "required"), {
      result: "verified",
      bodySha256: "ab".repeat(32),
    });
  });

  it("returns a body hash pinned in metadata.body_sha256 (where Sign's closed schema allows it)", () => {
    const metadata = { body_sha256: "CD".repeat(32), nonce: "n-1" };
    const { header, att } = bound({ ...BASE, metadata });
    assert.deepEqual(checkIntentBinding(header, att, LIVE, "required"), {
      result: "verified",
      bodySha256: "cd".repeat(32),
    });
  });

  it("accepts the same hash in both places", () => {
    const hash = "ef".repeat(32);
    const { header, att } = bound({ ...BASE, body_sha256: hash, metadata: { body_sha256: hash } });
    assert.equal(checkIntentBinding(header, att, LIVE, "required").bodySha256, hash);
  });
});

describe("checkIntentBinding refuses as a mismatch", () => {
  for (const c of mismatching) {
    it(`an intent with ${c.name}`, () => {
      const { header, att } = bound(c.intent);
      assert.throws(
        () => checkIntentBinding(header, att, c.live ?? LIVE, "optional"),
        (err: unknown) => {
          assert.ok(err instanceof SigilError);
          assert.equal(err.code, "ERR_ATTESTATION_MISMATCH");
          assert.ok(err.reason.includes(c.reason as string), `"${err.reason}" ~ "${c.reason}"`);
          assert.ok(!err.reason.includes("example"), "no values echoed");
          return true;
        },
      );
    });
  }

  it("an intent that is not the one the attestation committed to", () => {
    const { header, att } = bound(BASE, { ...BASE, task_id: "t-2" });
    assert.throws(() => checkIntentBinding(header, att, LIVE, "optional"), mismatch("intentHash"));
  });

  it("an attestation without intentHash", () =>
    assert.throws(
      () => checkIntentBinding(b64(JSON.stringify(BASE)), attFor(undefined), LIVE, "optional"),
      mismatch("no intentHash"),
    ));

  it("a missing header on a route with binding required", () =>
    assert.throws(
      () => checkIntentBinding(undefined, attFor(BASE), LIVE, "required"),
      mismatch("requires"),
    ));
});

describe("checkIntentBinding modes", () => {
  const cases: [BindingMode, string | undefined, string][] = [
    ["off", "%%% not even base64 %%%", "off"],
    ["off", undefined, "off"],
    ["optional", undefined, "absent"],
  ];
  for (const [mode, header, result] of cases) {
    it(`mode ${mode} with ${header === undefined ? "no header" : "a garbage header"} gives ${result}`, () =>
      assert.deepEqual(checkIntentBinding(header, attFor(BASE), LIVE, mode), { result }));
  }
});

describe("checkIntentBinding refuses as invalid", () => {
  const cases: [string, string, string][] = [
    ["a header that is not base64url", "eyJ+", "base64url"],
    ["padded base64url", b64(JSON.stringify(BASE)) + "=", "base64url"],
    ["a header that is not JSON", b64("action=http"), "not valid JSON"],
    ["a JSON array", b64("[]"), "not a JSON object"],
    ["duplicate members", b64('{"action":"http","action":"http"}'), "duplicate"],
    ["a header over 16 KiB", b64(JSON.stringify({ ...BASE, pad: "x".repeat(13000) })), "16 KiB"],
  ];
  for (const [what, header, reason] of cases) {
    it(what, () =>
      assert.throws(
        () => checkIntentBinding(header, attFor(BASE), LIVE, "optional"),
        (err: unknown) =>
          err instanceof SigilError &&
          err.code === "ERR_ATTESTATION_INVALID" &&
          err.reason.includes(reason),
      ),
    );
  }

  const badHashes: [string, Intent][] = [
    ["a body_sha256 that is not 64 hex characters", { ...BASE, body_sha256: "abc" }],
    ["a metadata.body_sha256 that is not 64 hex", { ...BASE, metadata: { body_sha256: "abc" } }],
    [
      "two different body hashes",
      { ...BASE, body_sha256: "ab".repeat(32), metadata: { body_sha256: "cd".repeat(32) } },
    ],
  ];
  for (const [name, intent] of badHashes) {
    it(name, () => {
      const { header, att } = bound(intent);
      assert.throws(
        () => checkIntentBinding(header, att, LIVE, "optional"),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_ATTESTATION_INVALID",
      );
    });
  }
});

describe("an intent canonical JSON cannot carry", () => {
  const texts: [string, string][] = [
    ["a number beyond a double (1e999)", `{"action":"http","n":1e999}`],
    ["nesting deep enough to exhaust the stack", `{"a":${"[".repeat(6000)}${"]".repeat(6000)}}`],
  ];
  for (const [name, text] of texts) {
    it(`is the agent's invalid header, not an internal error: ${name}`, () => {
      assert.throws(
        () => checkIntentBinding(b64(text), attFor(BASE), LIVE, "optional"),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_ATTESTATION_INVALID",
      );
    });
  }
});

describe("checkBodyHash", () => {
  const body = Buffer.from('{"prompt":"hi"}');
  const digest = createHash("sha256").update(body).digest();
  it("accepts the body the intent pinned", () => checkBodyHash(sha256(body), digest));
  it("refuses another body", () =>
    assert.throws(
      () => checkBodyHash(sha256(body), createHash("sha256").update("other").digest()),
      mismatch("body"),
    ));
  it("refuses a truncated expected hash", () =>
    assert.throws(() => checkBodyHash(sha256(body).slice(0, 62), digest), mismatch("body")));
});

function mismatch(reason: string) {
  return (err: unknown) =>
    err instanceof SigilError &&
    err.code === "ERR_ATTESTATION_MISMATCH" &&
    err.reason.includes(reason);
}
