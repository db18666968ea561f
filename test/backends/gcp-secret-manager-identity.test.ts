import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGcpSecretManagerBackend } from "../../src/backends/gcp-secret-manager.js";
import type { BackendDeps } from "../../src/backends/deps.js";
import { SigilError } from "../../src/errors.js";
import { writeKeyFile } from "../fakes/gcp-identity.js";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp-stack.js";

let gcp: FakeGcp;
/** Google's clock offset; the product's (and google-auth-library's) clock stays real. */
let skewMs = 0;
const signal = new AbortController().signal;

before(async () => {
  gcp = await startFakeGcp(() => Date.now() + skewMs);
  gcp.secretManager.addSecret("api-key", ["sk-live-1"]);
});
after(() => gcp.close());

const make = (options: Record<string, string> = {}, deps: Partial<BackendDeps> = {}) =>
  createGcpSecretManagerBackend(
    "gcp",
    { ...gcp.options, ...options },
    { env: {}, extraCa: [gcp.pki.caPem], ...deps },
  );
const withoutOption = (key: string) => {
  const { [key]: _, ...rest } = gcp.options;
  return rest;
};
const fetchValue = async (b: ReturnType<typeof make>, ctx = { signal }) => {
  const cred = await b.fetch("api-key", ctx);
  const v = cred.fields.get("value")!.toString();
  await cred.release();
  return v;
};
const isFailure = (code: string, reason: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SigilError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, reason);
  assert.ok(!/PRIVATE KEY|ya29\.|eyJ/.test(e.message), e.message);
  return true;
};

test("one access token serves many fetches: the grant happens once", async () => {
  const grants = gcp.oauth.granted;
  const seen = gcp.secretManager.requests.length;
  const b = make();
  for (let i = 0; i < 3; i++) assert.equal(await fetchValue(b), "sk-live-1");
  assert.equal(gcp.oauth.granted - grants, 1);
  const tokens = new Set(gcp.secretManager.requests.slice(seen).map((r) => r.token));
  assert.equal(tokens.size, 1);
  assert.ok(gcp.identity.issued.includes([...tokens][0]!));
});

test("concurrent first fetches share one grant", async () => {
  const received = gcp.oauth.received;
  const b = make();
  const values = await Promise.all(Array.from({ length: 8 }, () => fetchValue(b)));
  assert.deepEqual(new Set(values), new Set(["sk-live-1"]));
  assert.equal(gcp.oauth.received - received, 1);
});

test("the key file's own token_uri is honoured, and the token_uri option overrides it", async () => {
  const own = await writeKeyFile(gcp.dir, gcp.account, { tokenUri: gcp.oauth.tokenUri });
  const grants = gcp.oauth.granted;
  assert.equal(
    await fetchValue(make({ ...withoutOption("token_uri"), credentials_file: own })),
    "sk-live-1",
  );
  const dead = await writeKeyFile(gcp.dir, gcp.account, { tokenUri: "https://127.0.0.1:1/token" });
  assert.equal(await fetchValue(make({ credentials_file: dead })), "sk-live-1");
  assert.equal(gcp.oauth.granted - grants, 2);
});

test("without credentials_file, GOOGLE_APPLICATION_CREDENTIALS from the backend env is used", async () => {
  const b = make(withoutOption("credentials_file"), {
    env: { GOOGLE_APPLICATION_CREDENTIALS: gcp.keyFile },
  });
  assert.equal(await fetchValue(b), "sk-live-1");
});

test("keys Google does not accept are refused with the OAuth error code only", async () => {
  const stranger = gcp.identity.createServiceAccount("stranger@sigil-test.iam.gserviceaccount.com");
  const unknown = await writeKeyFile(gcp.dir, {
    ...stranger,
    email: "deleted@sigil-test.iam.gserviceaccount.com",
  });
  const wrongKey = await writeKeyFile(gcp.dir, { ...stranger, email: gcp.account.email });
  const refusedBefore = gcp.oauth.refused.length;
  for (const file of [unknown, wrongKey]) {
    await assert.rejects(
      make({ credentials_file: file }).fetch("api-key", { signal }),
      isFailure("ERR_BACKEND_FAILED", /token endpoint answered HTTP 400 invalid_grant$/),
    );
  }
  assert.deepEqual(gcp.oauth.refused.slice(refusedBefore), ["invalid_grant", "invalid_grant"]);
});

test("an assertion outside Google's clock window is refused (invalid_grant)", async () => {
  skewMs = 2 * 3600_000;
  try {
    await assert.rejects(
      make().fetch("api-key", { signal }),
      isFailure("ERR_BACKEND_FAILED", /invalid_grant/),
    );
  } finally {
    skewMs = 0;
  }
});

test("unusable credentials files fail before anything is sent", async () => {
  const write = async (name: string, body: unknown) => {
    const path = join(gcp.dir, name);
    await writeFile(path, typeof body === "string" ? body : JSON.stringify(body));
    return path;
  };
  const cases: [string, string, RegExp][] = [
    ["a missing file", join(gcp.dir, "absent.json"), /not readable JSON/],
    ["a file that is not JSON", await write("garbage.json", "-----BEGIN"), /not readable JSON/],
    ["a user credential", await write("user.json", { type: "authorized_user" }), /service_account/],
    [
      "a key without private_key",
      await write("half.json", { type: "service_account", client_email: "a@b" }),
      /lacks/,
    ],
    [
      "a key whose token_uri is plain http",
      await writeKeyFile(gcp.dir, gcp.account, { tokenUri: "http://127.0.0.1:1/token" }),
      /token_uri must be https/,
    ],
  ];
  const received = gcp.oauth.received;
  for (const [name, file, reason] of cases) {
    const options = { ...withoutOption("token_uri"), credentials_file: file };
    await assert.rejects(
      make(options).fetch("api-key", { signal }),
      isFailure("ERR_BACKEND_FAILED", reason),
      name,
    );
  }
  assert.equal(gcp.oauth.received, received);
});

test("a token Google no longer honours fails once, then a fresh grant succeeds", async () => {
  const b = make();
  assert.equal(await fetchValue(b), "sk-live-1");
  const grants = gcp.oauth.granted;
  skewMs = 3600_000; // Google now sees the cached token as expired; the library does not.
  try {
    await assert.rejects(
      b.fetch("api-key", { signal }),
      isFailure("ERR_BACKEND_FAILED", /HTTP 401 UNAUTHENTICATED$/),
    );
    assert.equal(await fetchValue(b), "sk-live-1");
  } finally {
    skewMs = 0;
  }
  assert.equal(gcp.oauth.granted - grants, 1);
});

test("TLS to Google is verified: without the fake's CA nothing is released", async () => {
  const seen = gcp.secretManager.requests.length;
  await assert.rejects(
    make({}, { extraCa: [] }).fetch("api-key", { signal }),
    isFailure("ERR_BACKEND_FAILED", /token endpoint could not be reached/),
  );
  assert.equal(gcp.secretManager.requests.length, seen);
});
