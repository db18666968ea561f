import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createGcpSecretManagerBackend } from "../../src/backends/gcp-secret-manager.js";
import { SigilError } from "../../src/errors.js";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp-stack.js";

let gcp: FakeGcp;

before(async () => {
  gcp = await startFakeGcp();
  gcp.secretManager.addSecret("api-key", ["sk-live-1"]);
});
after(() => gcp.close());

const make = (options: Record<string, string> = {}) =>
  createGcpSecretManagerBackend(
    "gcp",
    { ...gcp.options, ...options },
    { env: {}, extraCa: [gcp.pki.caPem] },
  );
/** What fetch-credential.ts does: abort with ERR_BACKEND_TIMEOUT after `ms`. */
const timeoutSignal = (ms: number) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new SigilError("ERR_BACKEND_TIMEOUT", "slow")), ms).unref();
  return controller.signal;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a Secret Manager that never answers: the fetch ends when its signal aborts", async () => {
  const b = make();
  // Warm up (loads google-auth-library, grants a token); generous for loaded CI machines.
  await b.fetch("api-key", { signal: AbortSignal.timeout(10_000) }).then((c) => c.release());
  gcp.secretManager.hang = true;
  try {
    const started = Date.now();
    await assert.rejects(b.fetch("api-key", { signal: timeoutSignal(150) }), (e: unknown) => {
      assert.ok(e instanceof SigilError);
      assert.equal(e.code, "ERR_BACKEND_TIMEOUT");
      return true;
    });
    assert.ok(Date.now() - started < 1000, "bounded by the signal");
  } finally {
    gcp.secretManager.hang = false;
  }
});

test("a token endpoint that never answers: timeout, and no retry storm behind it", async () => {
  const b = make({ timeout_ms: "300" });
  gcp.oauth.hang = true;
  const received = gcp.oauth.received;
  const seen = gcp.secretManager.requests.length;
  try {
    await assert.rejects(b.fetch("api-key", { signal: timeoutSignal(300) }), (e: unknown) => {
      assert.ok(e instanceof SigilError);
      assert.equal(e.code, "ERR_BACKEND_TIMEOUT");
      return true;
    });
    for (const until = Date.now() + 5000; gcp.oauth.received === received; await sleep(20)) {
      assert.ok(Date.now() < until, "the grant never reached the token endpoint");
    }
    await sleep(800); // gaxios' own 300 ms timeout has fired; a retry would have arrived by now.
    assert.equal(gcp.oauth.received - received, 1);
    assert.equal(gcp.secretManager.requests.length, seen);
  } finally {
    gcp.oauth.hang = false;
  }
  assert.equal((await b.fetch("api-key", { signal: timeoutSignal(10_000) })).fields.size, 1);
});

test("a signal that is not a SigilError still maps to ERR_BACKEND_TIMEOUT", async () => {
  gcp.secretManager.hang = true;
  try {
    await assert.rejects(
      make().fetch("api-key", { signal: AbortSignal.timeout(100) }),
      (e: unknown) => {
        assert.ok(e instanceof SigilError);
        assert.equal(e.code, "ERR_BACKEND_TIMEOUT");
        return true;
      },
    );
  } finally {
    gcp.secretManager.hang = false;
  }
});
