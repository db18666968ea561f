/**
 * The real `@anthropic-ai/sdk` (devDependency, exact version) with `fetch: createAttestedFetch(…)`
 * through the real proxy to a fake API on a route that injects `x-api-key`: the SDK's own
 * placeholder key never reaches the upstream, retries and streams work, refusals carry the code.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { createAttestedFetch } from "../../src/client/index.js";
import { WORDS } from "../fakes/llm-api.js";
import { ANTHROPIC_HOST, startSdkFixture, type SdkFixture } from "./sdk-fixture.js";

const REQUEST = {
  model: "claude-fake",
  max_tokens: 16,
  messages: [{ role: "user" as const, content: "hi" }],
};

describe("anthropic SDK through Vault", { timeout: 60_000 }, () => {
  let f: SdkFixture;
  before(async () => {
    f = await startSdkFixture();
  });
  after(() => f.stop());

  const client = (over = {}, host = ANTHROPIC_HOST) =>
    new Anthropic({
      apiKey: "placeholder",
      // What the SDK sends when ANTHROPIC_AUTH_TOKEN is also set in the agent's environment.
      defaultHeaders: { authorization: "Bearer placeholder-bearer" },
      baseURL: `https://${host}`,
      fetch: createAttestedFetch(f.clientOptions(over)),
      maxRetries: 2,
    });

  it("sends only the injected x-api-key upstream, never the SDK's placeholders", async () => {
    const before = f.api.requests.length;
    const msg = await client().messages.create(REQUEST);
    assert.deepEqual(msg.content, [{ type: "text", text: WORDS.join("") }]);
    const seen = f.api.requests.slice(before);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers["x-api-key"], f.h.canary);
    assert.equal(seen[0]!.headers["authorization"], undefined);
    assert.equal((await f.releases()).at(-1)!["binding"], "verified");
  });

  it("streams events one by one", async () => {
    const stream = await client().messages.create({ ...REQUEST, stream: true });
    const words: string[] = [];
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
        words.push(event.delta.text);
        f.api.nextEvent();
      }
    }
    assert.deepEqual(words, WORDS);
  });

  it("retries an upstream 500 with a fresh attestation, and succeeds", async () => {
    const releasesBefore = (await f.releases()).length;
    f.api.failNext(2);
    const msg = await client().messages.create(REQUEST);
    assert.equal(msg.stop_reason, "end_turn");
    const released = (await f.releases()).slice(releasesBefore);
    assert.equal(
      new Set(released.map((r) => r["replayId"])).size,
      3,
      "three attempts, three tokens",
    );
  });

  it("shows ERR_NO_ROUTE with status 403 for a host the agent has no route to", async () => {
    const err = await client({}, "api.unrouted.test")
      .messages.create(REQUEST)
      .catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
    assert.equal(err.status, 403);
    assert.match(err.message, /^403 no route of this agent covers this host/);
    assert.equal(err.headers?.get("x-sigil-error"), "ERR_NO_ROUTE");
    assert.equal((err.error as { error: { code: string } }).error.code, "ERR_NO_ROUTE");
  });

  it("shows ERR_AGENT_UNAUTHENTICATED with status 407 for a bad agent token", async () => {
    const err = await client({ agentToken: `svt_${"B".repeat(43)}` })
      .messages.create(REQUEST)
      .catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.status, 407);
    assert.match(err.message, /^407 Vault refused the agent token .*ERR_AGENT_UNAUTHENTICATED/);
    assert.equal(err.headers?.get("x-sigil-error"), "ERR_AGENT_UNAUTHENTICATED");
  });
});
