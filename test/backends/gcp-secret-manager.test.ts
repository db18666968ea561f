import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.js";
import { createGcpSecretManagerBackend } from "../../src/backends/gcp-secret-manager.js";
import { SigilError } from "../../src/errors.js";
import { writeKeyFile } from "../fakes/gcp-identity.js";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp-stack.js";

let gcp: FakeGcp;
let backend: Backend;
const signal = new AbortController().signal;
const DB = JSON.stringify({ username: "svc-db", password: "pw-5e1f2a" });

before(async () => {
  gcp = await startFakeGcp();
  const sm = gcp.secretManager;
  sm.addSecret("api-key", [
    "sk-version-one",
    "sk-version-two",
    { data: Buffer.from("sk-off"), state: "DISABLED" },
  ]);
  sm.addSecret("aliased", ["a1", "a2"], { aliases: { prod: 1 } });
  sm.addSecret("db", [DB]);
  sm.addSecret("binary", [Buffer.from([0, 1, 2, 0xfe, 0xff])]);
  sm.addSecret("corrupt", [{ data: Buffer.from("sk-tampered"), corruptCrc: true }]);
  sm.addSecret("no-crc", [{ data: Buffer.from("sk-no-crc"), omitCrc: true }]);
  sm.addSecret("destroyed", ["x", { data: Buffer.from("y"), state: "DESTROYED" }]);
  backend = createGcpSecretManagerBackend("gcp", gcp.options, {
    env: {},
    extraCa: [gcp.pki.caPem],
  });
});
after(() => gcp.close());

const value = async (ref: string) => {
  const cred = await backend.fetch(ref, { signal });
  try {
    return cred.fields.get("value")!.toString("utf8");
  } finally {
    await cred.release();
  }
};
/** Asserts a refusal by code and reason, and that no secret material leaked into it. */
const refused = async (p: Promise<unknown>, code: string, reason: RegExp) => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SigilError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, reason);
    for (const secret of ["sk-", "pw-5e1f2a", "ya29.", "PRIVATE KEY"]) {
      assert.ok(!e.message.includes(secret), `"${e.message}" leaks ${secret}`);
    }
    return true;
  });
};

test("a bare secret id fetches the latest enabled version", async () => {
  assert.equal(await value("api-key"), "sk-version-two");
});

test("@version pins a version number or an alias", async () => {
  assert.equal(await value("api-key@1"), "sk-version-one");
  assert.equal(await value("aliased@prod"), "a1");
  assert.equal(await value("aliased@latest"), "a2");
});

test("full resource names work with the project id or number, with or without a version", async () => {
  assert.equal(await value("projects/sigil-test/secrets/api-key/versions/1"), "sk-version-one");
  assert.equal(await value("projects/123456789012/secrets/api-key"), "sk-version-two");
  assert.equal(await value("projects/sigil-test/secrets/db/versions/1#username"), "svc-db");
});

test("a JSON payload yields its fields, and #field selects one as value", async () => {
  const cred = await backend.fetch("db", { signal });
  assert.deepEqual([...cred.fields.keys()].sort(), ["password", "username", "value"]);
  await cred.release();
  assert.equal(await value("db#password"), "pw-5e1f2a");
  await refused(
    backend.fetch("db#missing", { signal }),
    "ERR_BACKEND_FAILED",
    /no field "missing"/,
  );
});

test("binary payloads arrive byte for byte and release zeroes them", async () => {
  const cred = await backend.fetch("binary", { signal });
  const buf = cred.fields.get("value")!;
  assert.deepEqual([...buf], [0, 1, 2, 0xfe, 0xff]);
  await cred.release();
  assert.ok(buf.every((b) => b === 0));
});

test("a payload whose CRC32C does not match is refused; a payload without one is accepted", async () => {
  await refused(backend.fetch("corrupt", { signal }), "ERR_BACKEND_FAILED", /CRC32C/);
  assert.equal(await value("no-crc"), "sk-no-crc");
});

test("Google's refusals become ERR_BACKEND_FAILED naming HTTP and error status only", async () => {
  const cases: [string, string, RegExp][] = [
    ["a missing secret", "nope", /HTTP 404 NOT_FOUND$/],
    ["a missing version", "api-key@9", /HTTP 404 NOT_FOUND$/],
    ["a disabled version", "api-key@3", /HTTP 400 FAILED_PRECONDITION$/],
    ["a destroyed version", "destroyed@2", /HTTP 400 FAILED_PRECONDITION$/],
    [
      "another project",
      "projects/not-ours/secrets/api-key/versions/1",
      /HTTP 403 PERMISSION_DENIED$/,
    ],
  ];
  for (const [name, ref, reason] of cases) {
    await refused(backend.fetch(ref, { signal }), "ERR_BACKEND_FAILED", reason).catch((e) => {
      throw new Error(`${name}: ${(e as Error).message}`);
    });
  }
});

test("a malformed reference is refused without calling Google", async () => {
  const before = gcp.secretManager.requests.length;
  await refused(backend.fetch("../etc", { signal }), "ERR_BACKEND_FAILED", /malformed secret id/);
  await refused(backend.fetch("", { signal }), "ERR_BACKEND_FAILED", /no secret name/);
  assert.equal(gcp.secretManager.requests.length, before);
});

test("an account without secretAccessor on the secret gets 403 PERMISSION_DENIED", async () => {
  const outsider = gcp.identity.createServiceAccount("outsider@sigil-test.iam.gserviceaccount.com");
  const keyFile = await writeKeyFile(gcp.dir, outsider);
  const other = createGcpSecretManagerBackend(
    "gcp-outsider",
    { ...gcp.options, credentials_file: keyFile },
    { env: {}, extraCa: [gcp.pki.caPem] },
  );
  await refused(other.fetch("api-key", { signal }), "ERR_BACKEND_FAILED", /403 PERMISSION_DENIED$/);
  gcp.secretManager.addSecret("shared", ["s-shared"], { accessors: [outsider.email] });
  const cred = await other.fetch("shared", { signal });
  assert.equal(cred.fields.get("value")!.toString(), "s-shared");
  await cred.release();
});
