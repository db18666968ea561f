import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c } from "../../src/backends/gcp/crc32c.js";
import { parseSecretRef } from "../../src/backends/gcp/secret-ref.js";
import { checkGcpOptions, readGcpSettings } from "../../src/backends/gcp/settings.js";
import { validateBackendOptions } from "../../src/backends/options.js";
import { SigilError } from "../../src/errors.js";

const isCode = (code: string) => (e: unknown) => e instanceof SigilError && e.code === code;
const seq = (n: number, f: (i: number) => number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => f(i)));

test("CRC32C matches the published Castagnoli vectors", () => {
  const vectors: [string, Buffer, number][] = [
    ["the empty input", Buffer.alloc(0), 0x00000000],
    ["the check string 123456789", Buffer.from("123456789"), 0xe3069283],
    ["32 zero bytes (RFC 3720 B.4)", Buffer.alloc(32, 0x00), 0x8a9136aa],
    ["32 0xFF bytes (RFC 3720 B.4)", Buffer.alloc(32, 0xff), 0x62a8ab43],
    ["32 ascending bytes (RFC 3720 B.4)", seq(32, (i) => i), 0x46dd794e],
    ["32 descending bytes (RFC 3720 B.4)", seq(32, (i) => 31 - i), 0x113fdb5c],
    ["a single 'a'", Buffer.from("a"), 0xc1d04330],
  ];
  for (const [name, input, expected] of vectors) {
    assert.equal(crc32c(input), expected, name);
  }
});

test("secret references resolve to a version name and an optional field", () => {
  const cases: [string, string, string | undefined][] = [
    ["api-key", "projects/proj-1/secrets/api-key/versions/latest", undefined],
    ["api-key@3", "projects/proj-1/secrets/api-key/versions/3", undefined],
    ["api-key@prod_alias", "projects/proj-1/secrets/api-key/versions/prod_alias", undefined],
    ["db#password", "projects/proj-1/secrets/db/versions/latest", "password"],
    ["db@2#user", "projects/proj-1/secrets/db/versions/2", "user"],
    ["projects/other/secrets/s/versions/7", "projects/other/secrets/s/versions/7", undefined],
    ["projects/123456/secrets/s", "projects/123456/secrets/s/versions/latest", undefined],
    ["projects/p-x/secrets/s/versions/latest#k", "projects/p-x/secrets/s/versions/latest", "k"],
  ];
  for (const [ref, name, field] of cases) {
    const parsed = parseSecretRef(ref, "proj-1");
    assert.equal(parsed.name, name, ref);
    assert.equal(parsed.field, field, ref);
  }
});

test("malformed references are refused before any request", () => {
  const bad = [
    "",
    "#field",
    "s#",
    "s@",
    "s@0",
    "s@-1",
    "a/b",
    "../x",
    "s?alt=media",
    "s%2F..",
    "projects//secrets/s",
    "projects/p/secrets/s/versions/",
    "projects/p/secrets/s/versions/1/extra",
    "projects/../secrets/s",
    "projects/p/secrets/s@2",
  ];
  for (const ref of bad) {
    assert.throws(() => parseSecretRef(ref, "proj-1"), isCode("ERR_BACKEND_FAILED"), ref);
  }
});

test("options are checked when the backend is added: project shape and https endpoints", () => {
  const ok = { project: "proj-1" };
  assert.equal(checkGcpOptions(ok), undefined);
  assert.equal(checkGcpOptions({ ...ok, endpoint: "https://sm.example:8443" }), undefined);
  const refused: [string, Record<string, string>][] = [
    ["a project with a slash", { project: "p/../q" }],
    ["a plain-http endpoint", { ...ok, endpoint: "http://secretmanager.googleapis.com" }],
    ["a plain-http token_uri", { ...ok, token_uri: "http://oauth2.googleapis.com/token" }],
  ];
  for (const [name, opts] of refused) {
    assert.match(checkGcpOptions(opts) ?? "", /must be/, name);
    assert.throws(
      () => validateBackendOptions("gcp-secret-manager", opts),
      isCode("ERR_USAGE"),
      name,
    );
    assert.throws(() => readGcpSettings(opts), isCode("ERR_CONFIG_INVALID"), name);
  }
});

test("settings default the endpoint to Google's and keep the overrides", () => {
  const plain = readGcpSettings({ project: "proj-1" });
  assert.equal(plain.endpoint.href, "https://secretmanager.googleapis.com/");
  assert.equal(plain.tokenUri, undefined);
  assert.equal(plain.credentialsFile, undefined);
  const custom = readGcpSettings({
    project: "proj-1",
    endpoint: "https://127.0.0.1:9443/base",
    token_uri: "https://127.0.0.1:9444/token",
    credentials_file: "/etc/sigil/sa.json",
  });
  assert.equal(custom.endpoint.href, "https://127.0.0.1:9443/base");
  assert.equal(custom.tokenUri?.href, "https://127.0.0.1:9444/token");
  assert.equal(custom.credentialsFile, "/etc/sigil/sa.json");
});
