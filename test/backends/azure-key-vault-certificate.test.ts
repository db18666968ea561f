import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { createAzureKeyVaultBackend } from "../../src/backends/azure-key-vault.js";
import { splitPemBundle } from "../../src/backends/azure/pem-bundle.js";
import { SigilError } from "../../src/errors.js";
import { CLIENT_ID, CLIENT_SECRET, TENANT_ID, startFakeAzure } from "../fakes/azure-cloud.js";
import { createCertificate, randomSerial } from "../../src/mitm/x509.js";
import { createTestPki } from "../helpers/pki.js";

const fake = await startFakeAzure();
after(() => fake.close());

const signal = new AbortController().signal;
const backend = createAzureKeyVaultBackend(
  "kv",
  {
    vault_url: fake.vaultUrl,
    tenant_id: TENANT_ID,
    client_id: CLIENT_ID,
    client_secret_env: "AZ_SECRET",
  },
  fake.deps({ AZ_SECRET: CLIENT_SECRET }),
);
const failsWith = (re: RegExp) => (e: unknown) =>
  e instanceof SigilError && e.code === "ERR_BACKEND_FAILED" && re.test(e.message);

const pki = createTestPki("Client Issuing CA");
const leaf = pki.issue(["client.example.test"]);
/** What Key Vault stores behind a PEM certificate: the PKCS#8 key, then the chain, leaf first. */
const bundle = `${leaf.keyPem}${leaf.certPem}${pki.caPem}`;

test("a PEM certificate yields leaf, chain and private key as PEM buffers for mtls", async () => {
  fake.vault.putCertificate("client-cert", bundle);
  const cred = await backend.fetch("certificate/client-cert", { signal });
  assert.deepEqual([...cred.fields.keys()].sort(), ["ca_chain", "certificate", "private_key"]);
  const certificate = cred.fields.get("certificate")!;
  const key = createPrivateKey(cred.fields.get("private_key")!);
  const x509 = new X509Certificate(certificate);
  assert.match(x509.subject, /CN=client\.example\.test/);
  assert.ok(x509.checkPrivateKey(key), "the key belongs to the leaf");
  assert.equal(cred.fields.get("ca_chain")?.toString(), pki.caPem);
  await cred.release();
  assert.ok(certificate.every((b) => b === 0));
});

test("a certificate ref with a version reads that version", async () => {
  const other = createTestPki().issue(["old.example.test"]);
  const old = fake.vault.putCertificate("rotated-cert", `${other.keyPem}${other.certPem}`);
  fake.vault.putCertificate("rotated-cert", bundle);
  const cred = await backend.fetch(`certificate/rotated-cert/${old}`, { signal });
  const x509 = new X509Certificate(cred.fields.get("certificate")!);
  assert.match(x509.subject, /CN=old\.example\.test/);
});

test("PKCS#12 certificates, plain secrets and incomplete bundles are refused with a reason", async () => {
  fake.vault.putCertificate("pfx-cert", "MIIKQAIBAzCCCfwGCSqGSIb3DQEHAaCC", "application/x-pkcs12");
  fake.vault.putSecret("plain", bundle);
  fake.vault.putCertificate("no-key", leaf.certPem);
  const cases: [string, RegExp][] = [
    ["certificate/pfx-cert", /stored as PKCS#12.*application\/x-pem-file/],
    ["certificate/plain", /plain secret, not a certificate/],
    ["certificate/no-key", /needs a certificate and an unencrypted private key/],
  ];
  for (const [ref, reason] of cases) {
    await assert.rejects(backend.fetch(ref, { signal }), failsWith(reason), ref);
  }
});

test("the PEM bundle of a certificate is also readable as a plain secret value", async () => {
  fake.vault.putCertificate("as-secret", bundle);
  const cred = await backend.fetch("secret/as-secret", { signal });
  assert.equal(cred.fields.get("value")?.toString(), bundle);
});

test("splitting finds the leaf by its key, in PKCS#8, RSA or EC form, and leaves the input intact", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const rsaCert = createCertificate({
    serial: randomSerial(),
    subject: { commonName: "rsa.example.test" },
    issuer: { commonName: "Client Issuing CA" },
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    publicKey: rsa.publicKey,
    signingKey: generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey,
    isCa: false,
    dnsNames: ["rsa.example.test"],
  });
  const ecKey = createPrivateKey(leaf.keyPem);
  const cases: [cert: string, key: string][] = [
    [leaf.certPem, leaf.keyPem],
    [leaf.certPem, ecKey.export({ type: "sec1", format: "pem" }).toString()],
    [rsaCert, rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString()],
  ];
  for (const [certPem, keyPem] of cases) {
    const input = Buffer.from(`${pki.caPem}${certPem}${keyPem}`);
    const copy = Buffer.from(input);
    const parts = splitPemBundle(input);
    assert.equal(parts.privateKey.toString(), keyPem.endsWith("\n") ? keyPem : `${keyPem}\n`);
    assert.equal(parts.certificate.toString(), certPem);
    assert.equal(parts.caChain?.toString(), pki.caPem, "the issuer before the leaf is chain");
    assert.deepEqual(input, copy);
  }
  assert.equal(splitPemBundle(Buffer.from(`${leaf.keyPem}${leaf.certPem}`)).caChain, undefined);
});

test("splitting refuses encrypted or extra keys, a key matching no certificate, broken blocks", () => {
  const otherKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  const encrypted = otherKey
    .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" })
    .toString();
  const stranger = otherKey.export({ type: "pkcs8", format: "pem" }).toString();
  const bad: [string, RegExp][] = [
    [`${encrypted}${leaf.certPem}`, /unencrypted private key/],
    [`${leaf.keyPem}${leaf.keyPem}${leaf.certPem}`, /more than one private key/],
    [`${stranger}${leaf.certPem}${pki.caPem}`, /no certificate matching its private key/],
    [`${leaf.keyPem}${leaf.certPem.replace("-----END CERTIFICATE-----", "")}`, /without its END/],
    [
      `${leaf.keyPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
      /cannot be read/,
    ],
  ];
  for (const [text, reason] of bad) {
    assert.throws(() => splitPemBundle(Buffer.from(text)), failsWith(reason), String(reason));
  }
});
