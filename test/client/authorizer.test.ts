/**
 * `signAuthorizer` against a fake Sign answering each documented status (sign-api.md), and
 * `createAttestedFetch` turning those refusals into responses SDKs can show — or throwing them.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  buildHttpIntent,
  createAttestedFetch,
  signAuthorizer,
  SigilClientError,
  SigilSignError,
  txCommitOf,
} from "../../src/client/index.js";
import { listenOnLoopback, type LoopbackListener } from "../helpers/loopback-server.js";

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
const ANSWERS: Record<string, Answer> = {
  allowed: { status: 200, body: { status: "ALLOWED", intent_attestation: "a.b.c", message: "ok" } },
  denied: {
    status: 403,
    body: {
      status: "DENIED",
      error_code: "SIGIL_POLICY_VIOLATION_BLOCKED_DOMAIN",
      message: "blocked domain",
      intent_attestation: null,
    },
  },
  pending: {
    status: 202,
    body: {
      status: "PENDING",
      holdId: "hold-7",
      message: "approval",
      error_code: "SIGIL_POLICY_HOLD",
    },
  },
  limited: {
    status: 429,
    body: { status: "RATE_LIMITED", error_code: "SIGIL_RATE_LIMITED", message: "slow down" },
    headers: { "retry-after": "3" },
  },
  broken: { status: 500, body: "oops" },
};

describe("signAuthorizer", () => {
  let sign: LoopbackListener;
  const seen: { auth: string | undefined; body: Record<string, unknown> }[] = [];
  before(async () => {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          auth: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
        const answer = ANSWERS[String(req.url).split("/")[1]!]!;
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
      });
    };
    sign = await listenOnLoopback(createServer(handler));
  });
  after(() => sign.close());

  const authorizer = (answer: string) =>
    signAuthorizer({
      url: `http://127.0.0.1:${sign.port}/${answer}`,
      apiKey: "sk_sigil_test_k",
      agentId: "agent-1",
      framework: "unit",
      env: {},
    });
  const intent = buildHttpIntent({
    method: "GET",
    url: "https://api.example.test/v1/x",
    headers: [],
  });
  const ask = (answer: string) => authorizer(answer)({ intent, txCommit: txCommitOf(intent) });

  it("posts Sign's request with the Bearer key and returns the attestation", async () => {
    assert.equal(await ask("allowed"), "a.b.c");
    const last = seen.at(-1)!;
    assert.equal(last.auth, "Bearer sk_sigil_test_k");
    assert.deepEqual(Object.keys(last.body).sort(), [
      "agentId",
      "framework",
      "intent",
      "request_nonce",
      "txCommit",
    ]);
    assert.equal(last.body["txCommit"], txCommitOf(intent));
    assert.match(String(last.body["request_nonce"]), /^[0-9a-f-]{36}$/);
  });

  const refusals: [string, Partial<SigilSignError> & { holdId?: string; retryAfter?: number }][] = [
    ["denied", { code: "SIGIL_POLICY_VIOLATION_BLOCKED_DOMAIN", status: 403 }],
    ["pending", { code: "SIGIL_POLICY_HOLD", status: 202, holdId: "hold-7" }],
    ["limited", { code: "SIGIL_RATE_LIMITED", status: 429, retryAfter: 3 }],
    ["broken", { code: "SIGIL_INTERNAL_ERROR", status: 500 }],
  ];
  for (const [answer, want] of refusals) {
    it(`turns a ${answer} answer into a SigilSignError with Sign's code`, async () => {
      const err = await ask(answer).catch((e: unknown) => e);
      assert.ok(err instanceof SigilSignError);
      assert.equal(err.code, want.code);
      assert.equal(err.status, want.status);
      if (want.holdId) assert.equal(err.details.holdId, want.holdId);
      if (want.retryAfter) assert.equal(err.details.retryAfter, want.retryAfter);
      assert.ok(!err.message.includes("sk_sigil_test_k"), "the API key is never echoed");
    });
  }

  it("refuses to start without its settings, naming the variable", () => {
    assert.throws(
      () => signAuthorizer({ env: {} }),
      (e: unknown) => e instanceof SigilClientError && /SIGIL_SIGN_URL/.test(e.message),
    );
  });

  const fetchFor = (answer: string, refusals?: "throw") =>
    createAttestedFetch({
      proxy: "http://127.0.0.1:9",
      agentToken: "svt_x",
      ca: "unused",
      authorizer: authorizer(answer),
      env: {},
      ...(refusals ? { refusals } : {}),
    });

  const shown: [string, number, Record<string, string>][] = [
    ["denied", 403, { "x-should-retry": "false" }],
    ["pending", 403, {}],
    ["limited", 429, { "retry-after": "3" }],
    ["broken", 502, {}],
  ];
  for (const [answer, status, headers] of shown) {
    it(`answers ${status} in Vault's error shape when Sign's answer is ${answer}`, async () => {
      const res = await fetchFor(answer)("https://api.example.test/v1/x");
      assert.equal(res.status, status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.headers.get("x-sigil-error"), body.error.code);
      for (const [k, v] of Object.entries(headers)) assert.equal(res.headers.get(k), v);
    });
  }

  it("throws the SigilSignError with refusals: throw", async () => {
    const err = await fetchFor("denied", "throw")("https://api.example.test/v1/x").catch((e) => e);
    assert.ok(err instanceof SigilSignError);
  });

  it("refuses a body over maxBodyBytes before asking Sign", async () => {
    const before = seen.length;
    const f = createAttestedFetch({
      proxy: "http://127.0.0.1:9",
      agentToken: "svt_x",
      ca: "unused",
      authorizer: authorizer("allowed"),
      maxBodyBytes: 4,
      env: {},
    });
    const err = await f("https://api.example.test/v1/x", { method: "POST", body: "hello" }).catch(
      (e: unknown) => e,
    );
    assert.ok(err instanceof SigilClientError);
    assert.equal(err.code, "ERR_CLIENT_BODY_TOO_LARGE");
    assert.equal(seen.length, before);
  });
});
