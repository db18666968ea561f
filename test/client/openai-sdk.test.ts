/**
 * The real `openai` SDK (devDependency, exact version) with `fetch: createAttestedFetch(…)`
 * through the real proxy to a fake API: every call and every retry carries a fresh attestation
 * bound to that exact request, streams arrive event by event, and refusals surface with their code.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { createAttestedFetch } from "../../src/client/index.js";
import { WORDS } from "../fakes/llm-api.js";
import { OPENAI_HOST, startSdkFixture, type SdkFixture } from "./sdk-fixture.js";

const MESSAGES = [{ role: "user" as const, content: "hi" }];

describe("openai SDK through Vault", { timeout: 60_000 }, () => {
  let f: SdkFixture;
  before(async () => {
    f = await startSdkFixture();
  });
  after(() => f.stop());

  const client = (over = {}, host = OPENAI_HOST) =>
    new OpenAI({
      apiKey: "placeholder",
      baseURL: `https://${host}/v1`,
      fetch: createAttestedFetch(f.clientOptions(over)),
      maxRetries: 2,
    });

  it("makes a plain call with a request-bound attestation and the route's credential", async () => {
    const before = f.api.requests.length;
    const done = await client().chat.completions.create({ model: "gpt-fake", messages: MESSAGES });
    assert.equal(done.choices[0]?.message.content, WORDS.join(""));
    const seen = f.api.requests.slice(before);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers["authorization"], `Bearer ${f.h.canary}`);
    assert.equal(seen[0]!.headers["x-sigil-attestation"], undefined);
    assert.deepEqual(JSON.parse(seen[0]!.body), { model: "gpt-fake", messages: MESSAGES });
    const release = (await f.releases()).at(-1)!;
    assert.deepEqual(
      [release["binding"], release["method"], release["path"]],
      ["verified", "POST", "/v1/chat/completions"],
    );
  });

  it("streams events one by one (the API sends each only after the SDK yielded the last)", async () => {
    const stream = await client().chat.completions.create({
      model: "gpt-fake",
      messages: MESSAGES,
      stream: true,
    });
    const words: string[] = [];
    for await (const chunk of stream) {
      const word = chunk.choices[0]?.delta.content;
      if (word) words.push(word);
      f.api.nextEvent();
    }
    assert.deepEqual(words, WORDS);
  });

  it("retries an upstream 500 with a fresh attestation, and succeeds", async () => {
    const releasesBefore = (await f.releases()).length;
    f.api.failNext(1);
    const done = await client().chat.completions.create({ model: "gpt-fake", messages: MESSAGES });
    assert.equal(done.choices[0]?.message.content, WORDS.join(""));
    const released = (await f.releases()).slice(releasesBefore);
    assert.equal(released.length, 2, "one release per attempt");
    assert.notEqual(released[0]!["replayId"], released[1]!["replayId"]);
    const denies = (await f.h.readAudit()).filter((r) => r["code"] === "ERR_ATTESTATION_REPLAYED");
    assert.deepEqual(denies, []);
  });

  it("shows ERR_NO_ROUTE with status 403 for a host the agent has no route to", async () => {
    const err = await client({}, "api.unrouted.test")
      .models.list()
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
    assert.equal(err.status, 403);
    assert.equal(err.code, "ERR_NO_ROUTE");
    assert.match(err.message, /^403 no route of this agent covers this host/);
    const deny = (await f.h.readAudit()).filter((r) => r["code"] === "ERR_NO_ROUTE").at(-1)!;
    assert.equal(deny["host"], "api.unrouted.test:443");
  });

  it("shows ERR_AGENT_UNAUTHENTICATED with status 407 for a bad agent token", async () => {
    const badToken = `svt_${"A".repeat(43)}`;
    const err = await client({ agentToken: badToken })
      .models.list()
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 407);
    assert.equal(err.code, "ERR_AGENT_UNAUTHENTICATED");
    assert.match(err.message, /^407 Vault refused the agent token/);
    assert.ok(!err.message.includes(badToken));
  });

  it("shows Sign's code when Sign refuses the API key", async () => {
    const err = await client({ sign: { ...f.clientOptions().sign, apiKey: "sk_sigil_test_" } })
      .models.list()
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
    assert.equal(err.code, "SIGIL_AUTH_INVALID_TOKEN");
  });
});
