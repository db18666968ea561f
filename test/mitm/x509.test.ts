// Certificates from our DER encoder must parse, verify and carry exactly the RFC 5280 profile we claim,
// as seen by node:crypto, by our reader, and (when installed) by the openssl CLI.
import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readCertificateParts, readChildren, readElement } from "../../src/mitm/der-reader.js";
import { createCertificate, keyIdentifier, type CertificateSpec } from "../../src/mitm/x509.js";
import { skipUnless } from "../helpers/skip.js";

const T0 = Date.UTC(2030, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;
const caKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const leafKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const caName = { commonName: "Test CA", organization: "Sigil Vault" };

const caSpec: CertificateSpec = {
  serial: Buffer.from("0102030405060708090a0b0c0d0e0f10", "hex"),
  subject: caName,
  issuer: caName,
  notBefore: new Date(T0 - HOUR),
  notAfter: new Date(T0 + 3650 * 24 * HOUR),
  publicKey: caKeys.publicKey,
  signingKey: caKeys.privateKey,
  isCa: true,
  pathLen: 0,
};
const leafSpec: CertificateSpec = {
  serial: Buffer.from("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "hex"),
  subject: { commonName: "api.example.test" },
  issuer: caName,
  notBefore: new Date(T0 - HOUR),
  notAfter: new Date(T0 + 24 * HOUR),
  publicKey: leafKeys.publicKey,
  signingKey: caKeys.privateKey,
  isCa: false,
  dnsNames: ["api.example.test", "localhost"],
  ipAddresses: ["127.0.0.1", "::1"],
};
const caPem = createCertificate(caSpec);
const leafPem = createCertificate(leafSpec);
const ca = new X509Certificate(caPem);
const leaf = new X509Certificate(leafPem);

const ext = (cert: X509Certificate, oid: string) =>
  readCertificateParts(cert.raw).extensions.get(oid);
const hex = (buf: Buffer | undefined) => buf?.toString("hex");

describe("CA certificate", () => {
  it("is a self-signed CA with the given names, serial and validity", () => {
    assert.equal(ca.ca, true);
    assert.equal(ca.subject, "O=Sigil Vault\nCN=Test CA");
    assert.equal(ca.issuer, ca.subject);
    assert.equal(ca.serialNumber, "0102030405060708090A0B0C0D0E0F10");
    assert.equal(new Date(ca.validFrom).getTime(), T0 - HOUR);
    assert.equal(new Date(ca.validTo).getTime(), T0 + 3650 * 24 * HOUR);
    assert.equal(ca.verify(caKeys.publicKey), true);
  });

  const extensions: [string, string, boolean, string][] = [
    [
      "basicConstraints is critical with CA:TRUE and pathlen 0",
      "2.5.29.19",
      true,
      "30060101ff020100",
    ],
    ["keyUsage is critical with keyCertSign and cRLSign", "2.5.29.15", true, "03020106"],
  ];
  for (const [name, oid, critical, value] of extensions) {
    it(name, () => assert.deepEqual(ext(ca, oid), { critical, value: Buffer.from(value, "hex") }));
  }

  it("carries a subjectKeyIdentifier and no leaf-only extensions", () => {
    assert.equal(
      hex(readCertificateParts(ca.raw).subjectKeyId),
      hex(keyIdentifier(caKeys.publicKey)),
    );
    for (const oid of ["2.5.29.17", "2.5.29.37", "2.5.29.35"])
      assert.equal(ext(ca, oid), undefined);
  });
});

describe("leaf certificate", () => {
  it("is issued by the CA and verifies with the CA key only", () => {
    assert.equal(leaf.ca, false);
    assert.equal(leaf.issuer, ca.subject);
    assert.equal(leaf.checkIssued(ca), true);
    assert.equal(leaf.verify(caKeys.publicKey), true);
    assert.equal(leaf.verify(leafKeys.publicKey), false);
  });

  it("matches its DNS names case-insensitively and nothing else", () => {
    assert.equal(leaf.checkHost("API.Example.Test"), "api.example.test");
    assert.equal(leaf.checkHost("localhost"), "localhost");
    assert.equal(leaf.checkHost("other.example.test"), undefined);
    assert.equal(leaf.checkHost("example.test"), undefined);
  });

  it("matches its IPv4 and IPv6 addresses", () => {
    assert.equal(leaf.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(leaf.checkIP("::1"), "::1");
    assert.equal(leaf.checkIP("127.0.0.2"), undefined);
  });

  it("is for TLS server authentication only", () => {
    assert.deepEqual(leaf.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  });

  const extensions: [string, string, boolean, () => string][] = [
    ["basicConstraints is critical with CA:FALSE", "2.5.29.19", true, () => "3000"],
    ["keyUsage is critical with digitalSignature only", "2.5.29.15", true, () => "03020780"],
    ["extKeyUsage is serverAuth", "2.5.29.37", false, () => "300a06082b06010505070301"],
    [
      "authorityKeyIdentifier is the CA's key id",
      "2.5.29.35",
      false,
      () => "30168014" + hex(keyIdentifier(caKeys.publicKey)),
    ],
    [
      "subjectKeyIdentifier is the leaf's key id",
      "2.5.29.14",
      false,
      () => "0414" + hex(keyIdentifier(leafKeys.publicKey)),
    ],
  ];
  for (const [name, oid, critical, value] of extensions) {
    it(name, () =>
      assert.deepEqual(ext(leaf, oid), { critical, value: Buffer.from(value(), "hex") }),
    );
  }

  it("encodes a high-bit serial as a positive INTEGER", () => {
    const tbs = readChildren(readElement(leaf.raw))[0]!;
    const serial = readChildren(tbs)[1]!;
    assert.equal(hex(serial.content), "00f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  });

  it("writes validity from 2050 on as GeneralizedTime that parses back", () => {
    const notAfter = new Date(Date.UTC(2051, 6, 1, 8, 30, 15));
    const cert = new X509Certificate(createCertificate({ ...leafSpec, notAfter }));
    assert.equal(new Date(cert.validTo).getTime(), notAfter.getTime());
  });
});

describe("createCertificate refuses", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
  const refusals: [string, Partial<CertificateSpec>, typeof Error][] = [
    ["a validity that ends before it starts", { notAfter: new Date(T0 - 2 * HOUR) }, RangeError],
    ["an all-zero serial", { serial: Buffer.alloc(16) }, RangeError],
    ["a serial longer than 20 octets", { serial: Buffer.alloc(21, 1) }, RangeError],
    ["an RSA signing key", { signingKey: rsa.privateKey }, TypeError],
    ["a P-384 signing key", { signingKey: p384.privateKey }, TypeError],
    ["a public key as signing key", { signingKey: caKeys.publicKey }, TypeError],
    ["a leaf with no names", { dnsNames: [], ipAddresses: [] }, RangeError],
    ["a wildcard DNS name", { dnsNames: ["*.example.test"] }, RangeError],
    ["a DNS name with a space", { dnsNames: ["bad name.test"] }, RangeError],
    ["an IP literal with a zone id", { ipAddresses: ["fe80::1%eth0"] }, RangeError],
    ["a commonName over 64 characters", { subject: { commonName: "a".repeat(65) } }, RangeError],
  ];
  for (const [name, change, errorType] of refusals) {
    it(name, () => assert.throws(() => createCertificate({ ...leafSpec, ...change }), errorType));
  }
});

describe("openssl", () => {
  const missing = spawnSync("openssl", ["version"]).error !== undefined;
  const skip = skipUnless(!missing, "openssl is not on PATH; skipping the openssl cross-check");
  const dir = mkdtempSync(join(tmpdir(), "sigil-x509-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, pem: string) => (
    writeFileSync(join(dir, name), pem),
    join(dir, name)
  );
  const openssl = (...args: string[]) =>
    spawnSync("openssl", args, { encoding: "utf8", timeout: 10_000 });
  const atTime = String(Math.floor(T0 / 1000));

  it("parses both certificates with the extensions we claim", { skip }, () => {
    const caText = openssl("x509", "-noout", "-text", "-in", file("ca.pem", caPem)).stdout;
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(caText, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const leafText = openssl("x509", "-noout", "-text", "-in", file("leaf.pem", leafPem)).stdout;
    assert.match(leafText, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(leafText, /Key Usage: critical\s+Digital Signature\n/);
    assert.match(leafText, /TLS Web Server Authentication/);
    assert.match(
      leafText,
      /DNS:api\.example\.test, DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/,
    );
    assert.match(leafText, /Signature Algorithm: ecdsa-with-SHA256/);
  });

  it("verifies the leaf for sslserver against the CA", { skip }, () => {
    const args = [
      "verify",
      "-attime",
      atTime,
      "-purpose",
      "sslserver",
      "-CAfile",
      file("ca.pem", caPem),
    ];
    const result = openssl(...args, file("leaf.pem", leafPem));
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it("does not verify the leaf against a different CA", { skip }, () => {
    const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const otherPem = createCertificate({
      ...caSpec,
      publicKey: other.publicKey,
      signingKey: other.privateKey,
    });
    const args = ["verify", "-attime", atTime, "-CAfile", file("other.pem", otherPem)];
    assert.notEqual(openssl(...args, file("leaf.pem", leafPem)).status, 0);
  });
});
