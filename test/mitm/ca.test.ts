// The MITM CA as `init` creates it and the proxy loads it: its profile, file modes, and refusals.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { createCa, loadCa, parseCa, writeCa } from "../../src/mitm/ca.js";
import { readCertificateParts } from "../../src/mitm/der-reader.js";
import { createCertificate } from "../../src/mitm/x509.js";
import { skipUnless } from "../helpers/skip.js";

const T0 = Date.UTC(2031, 4, 2, 3, 4, 5);
const root = mkdtempSync(join(tmpdir(), "sigil-ca-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `home-${dirs++}`);
const posix = process.platform !== "win32";

function assertCode(code: string) {
  return (err: unknown) => err instanceof SigilError && err.code === code;
}

describe("createCa", () => {
  const ca = createCa({ now: () => T0 });
  const parsed = parseCa(ca);

  it("names the CA 'Sigil Vault Local CA <8 hex>' in organization 'Sigil Vault'", () => {
    assert.match(parsed.cert.subject, /^O=Sigil Vault\nCN=Sigil Vault Local CA [0-9a-f]{8}$/);
    assert.equal(parsed.cert.issuer, parsed.cert.subject);
  });

  it("is valid from an hour before now for ten years", () => {
    assert.equal(new Date(parsed.cert.validFrom).getTime(), T0 - 3_600_000);
    assert.equal(new Date(parsed.cert.validTo).getTime(), Date.UTC(2041, 4, 2, 3, 4, 5));
  });

  it("is a self-signed P-256 CA whose key identifier is carried for leaves", () => {
    assert.equal(parsed.cert.ca, true);
    assert.equal(parsed.cert.verify(parsed.cert.publicKey), true);
    assert.equal(parsed.key.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.deepEqual(parsed.keyId, readCertificateParts(parsed.cert.raw).subjectKeyId);
  });

  it("gives every CA its own key and name", () => {
    const other = parseCa(createCa({ now: () => T0 }));
    assert.notEqual(other.cert.subject, parsed.cert.subject);
    assert.notEqual(other.cert.fingerprint256, parsed.cert.fingerprint256);
  });
});

describe("writeCa and loadCa", () => {
  it("writes ca.key 0600 and ca.crt 0644, and loads them back", async () => {
    const dir = freshDir();
    const ca = createCa();
    const paths = await writeCa(dir, ca);
    if (posix) {
      assert.equal(statSync(paths.keyPath).mode & 0o777, 0o600);
      assert.equal(statSync(paths.certPath).mode & 0o777, 0o644);
    }
    assert.equal(readFileSync(paths.keyPath, "utf8"), ca.keyPem);
    const loaded = await loadCa(dir);
    assert.equal(loaded.certPath, join(dir, "ca.crt"));
    assert.equal(loaded.certPem, ca.certPem);
    assert.equal(loaded.cert.checkPrivateKey(loaded.key), true);
  });

  it("refuses to replace an existing CA unless asked to", async () => {
    const dir = freshDir();
    const first = createCa();
    await writeCa(dir, first);
    await assert.rejects(writeCa(dir, createCa()), assertCode("ERR_CONFLICT"));
    assert.equal((await loadCa(dir)).certPem, first.certPem);
    const second = createCa();
    await writeCa(dir, second, { overwrite: true });
    assert.equal((await loadCa(dir)).certPem, second.certPem);
  });

  const modes: [string, number][] = [
    ["readable by its group", 0o640],
    ["readable by others", 0o604],
    ["writable by its group", 0o620],
  ];
  for (const [name, mode] of modes) {
    it(`refuses a key ${name}`, { skip: skipUnless(posix, "no POSIX modes") }, async () => {
      const dir = freshDir();
      const { keyPath } = await writeCa(dir, createCa());
      chmodSync(keyPath, mode);
      await assert.rejects(loadCa(dir), (err: unknown) => {
        assert.ok(assertCode("ERR_CONFIG_INVALID")(err));
        assert.match((err as SigilError).reason, /accessible by group or others \(mode 0\d{3}\)/);
        assert.doesNotMatch((err as SigilError).reason, /PRIVATE KEY/);
        return true;
      });
    });
  }

  it("refuses a key that belongs to another certificate", async () => {
    const dir = freshDir();
    await writeCa(dir, createCa());
    writeFileSync(join(dir, "ca.crt"), createCa().certPem);
    await assert.rejects(loadCa(dir), (err: unknown) => {
      assert.ok(assertCode("ERR_CONFIG_INVALID")(err));
      assert.match((err as SigilError).reason, /does not match/);
      return true;
    });
  });

  const leafAsCa = async (dir: string) => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const name = { commonName: "not a CA" };
    const spec = { serial: Buffer.from([1]), subject: name, issuer: name, publicKey, isCa: false };
    const certPem = createCertificate({
      ...spec,
      notBefore: new Date(T0),
      notAfter: new Date(T0 + 3_600_000),
      signingKey: privateKey,
      dnsNames: ["localhost"],
    });
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await writeCa(dir, { certPem, keyPem });
  };
  const broken: [string, (dir: string) => Promise<void>, RegExp][] = [
    ["a missing CA", async () => undefined, /no CA key .*sigil-vault init/],
    [
      "a garbled key",
      async (dir) => {
        await writeCa(dir, createCa());
        writeFileSync(join(dir, "ca.key"), "junk");
      },
      /not a valid PEM private key/,
    ],
    [
      "a garbled certificate",
      async (dir) => {
        await writeCa(dir, createCa());
        writeFileSync(join(dir, "ca.crt"), "junk");
      },
      /not a valid PEM certificate/,
    ],
    ["a certificate that is not a CA", leafAsCa, /is not a CA/],
  ];
  for (const [name, setUp, reason] of broken) {
    it(`explains ${name}`, async () => {
      const dir = freshDir();
      await setUp(dir);
      await assert.rejects(loadCa(dir), (err: unknown) => {
        assert.ok(assertCode("ERR_CONFIG_INVALID")(err));
        assert.match((err as SigilError).reason, reason);
        return true;
      });
    });
  }
});
