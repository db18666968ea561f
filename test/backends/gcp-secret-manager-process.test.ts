/**
 * Tests that need a process of their own: the metadata-server identity (google-auth-library finds
 * the metadata host only through the process environment, GCE_METADATA_HOST, which tests must not
 * edit) and the lazy loading of google-auth-library (a module, once loaded, stays loaded).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp-stack.js";
import { startFakeMetadata, type FakeMetadata } from "../fakes/gcp-metadata.js";

let gcp: FakeGcp;
let metadata: FakeMetadata;
const VM_ACCOUNT = "123456789012-compute@developer.gserviceaccount.com";
const MODULE = fileURLToPath(new URL("../../src/backends/gcp-secret-manager.js", import.meta.url));

before(async () => {
  gcp = await startFakeGcp();
  gcp.secretManager.addSecret("vm-secret", ["sk-from-vm"], { accessors: [VM_ACCOUNT] });
  metadata = await startFakeMetadata(gcp.identity, VM_ACCOUNT);
});
after(async () => {
  await metadata.close();
  await gcp.close();
});

type ChildResult = Record<string, unknown> & { stderr?: string };

/** Runs an ES module `script` in a child whose whole environment is `env`; parses its JSON line. */
function runChild(script: string, env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { env: { MODULE, ...env }, timeout: 10_000 },
      (err, stdout, stderr) =>
        err ? reject(err) : resolve({ ...(JSON.parse(stdout) as object), stderr }),
    );
  });
}

/** Fetches `ref` in a child (default options: the metadata identity); reports value or error. */
function fetchInChild(
  ref: string,
  env: Record<string, string>,
  options: Record<string, string> = { project: "sigil-test", endpoint: gcp.secretManager.origin },
): Promise<ChildResult> {
  const script = `
    const { createGcpSecretManagerBackend } = await import(process.env.MODULE);
    const options = JSON.parse(process.env.OPTIONS);
    const b = createGcpSecretManagerBackend("gce", options, { env: process.env, extraCa: [process.env.TEST_CA] });
    try {
      const cred = await b.fetch(process.env.REF, { signal: AbortSignal.timeout(8000) });
      const value = cred.fields.get("value").toString();
      await cred.release();
      console.log(JSON.stringify({ ok: true, value }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }));
    }`;
  const base = { OPTIONS: JSON.stringify(options), TEST_CA: gcp.pki.caPem, REF: ref };
  return runChild(script, { ...base, ...env });
}

test("google-auth-library is loaded on the first fetch, not when the backend is created", async () => {
  const script = `
    import { createRequire } from "node:module";
    const loaded = () => Object.keys(createRequire(process.env.MODULE).cache)
      .some((path) => path.includes("google-auth-library"));
    const { createGcpSecretManagerBackend } = await import(process.env.MODULE);
    const options = {
      project: "sigil-test",
      credentials_file: process.env.KEY_FILE,
      token_uri: "https://127.0.0.1:1/token",
    };
    const b = createGcpSecretManagerBackend("g", options, { env: {} });
    const atCreate = loaded();
    // The grant fails fast (nothing listens on port 1) once the library has loaded.
    await b.fetch("s", { signal: AbortSignal.timeout(8000) }).catch(() => undefined);
    console.log(JSON.stringify({ atCreate, afterFetch: loaded() }));`;
  const out = await runChild(script, { KEY_FILE: gcp.keyFile });
  assert.deepEqual(out, { atCreate: false, afterFetch: true, stderr: "" });
});

test("with the SDK's debug logging on, no access token reaches the log", async () => {
  const issued = gcp.identity.issued.length;
  const out = await fetchInChild("vm-secret", { GOOGLE_SDK_NODE_LOGGING: "all" }, gcp.options);
  assert.deepEqual([out["ok"], out["value"]], [true, "sk-from-vm"]);
  const token = gcp.identity.issued[issued];
  assert.ok(token, "a token was issued");
  assert.ok(!out.stderr?.includes(token), "the token was logged");
  assert.ok(!out.stderr?.includes("ya29."), "a token was logged");
});

test("without a key file the metadata server's token for the VM account is used", async () => {
  const seen = gcp.secretManager.requests.length;
  const out = await fetchInChild("vm-secret", { GCE_METADATA_HOST: metadata.host });
  assert.deepEqual([out["ok"], out["value"]], [true, "sk-from-vm"]);
  assert.equal(metadata.issued, 1);
  const used = gcp.secretManager.requests.slice(seen).map((r) => r.token);
  assert.equal(used.length, 1);
  assert.equal(gcp.identity.lookup(used[0]!)?.email, VM_ACCOUNT);
});

test("the VM account is refused secrets it was not granted, and nothing leaks", async () => {
  gcp.secretManager.addSecret("not-granted", ["sk-hidden"]);
  const out = await fetchInChild("not-granted", { GCE_METADATA_HOST: metadata.host });
  assert.equal(out["ok"], false);
  assert.equal(out["code"], "ERR_BACKEND_FAILED");
  assert.match(String(out["message"]), /HTTP 403 PERMISSION_DENIED$/);
});

test("a VM without a service account gives ERR_BACKEND_FAILED with the metadata status", async () => {
  const refusing = await startFakeMetadata(gcp.identity, undefined);
  try {
    const out = await fetchInChild("vm-secret", { GCE_METADATA_HOST: refusing.host });
    assert.equal(out["ok"], false);
    assert.equal(out["code"], "ERR_BACKEND_FAILED");
    assert.match(String(out["message"]), /metadata server answered HTTP 404$/);
  } finally {
    await refusing.close();
  }
});
