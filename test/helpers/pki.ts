/**
 * A throwaway PKI for fake upstreams, deliberately separate from Vault's MITM CA so tests can tell
 * "verified against the upstream's CA" apart from "trusted Vault's own CA".
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { createCertificate, randomSerial } from "../../src/mitm/x509.js";

const HOUR_MS = 3_600_000;

/** A leaf as PEM: certificate and PKCS#8 key. */
export interface TestLeaf {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Validity overrides, e.g. to serve an expired certificate. */
export interface IssueOptions {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A test CA that issues TLS server leaves. */
export interface TestPki {
  readonly caPem: string;
  /** A leaf for DNS names and/or IP literals (e.g. "localhost", "api.example.test", "127.0.0.1"). */
  issue(hosts: string[], options?: IssueOptions): TestLeaf;
}

export function createTestPki(name = "Sigil Test Upstream CA"): TestPki {
  const now = Date.now();
  const ca = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const caName = { commonName: name, organization: "Sigil Vault Tests" };
  const caPem = createCertificate({
    serial: randomSerial(),
    subject: caName,
    issuer: caName,
    notBefore: new Date(now - HOUR_MS),
    notAfter: new Date(now + 30 * 24 * HOUR_MS),
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    isCa: true,
  });
  return {
    caPem,
    issue: (hosts, options = {}) => mintLeaf(hosts, { name: caName, key: ca.privateKey }, options),
  };
}

/** A leaf that signs itself (no CA): what a misconfigured or impostor server presents. */
export function createSelfSignedLeaf(hosts: string[]): TestLeaf {
  return mintLeaf(hosts, "self", {});
}

/** A leaf for `hosts`, signed by `issuer` or by its own key. */
function mintLeaf(
  hosts: string[],
  issuer: { name: { commonName: string; organization?: string }; key: KeyObject } | "self",
  options: IssueOptions,
): TestLeaf {
  const leaf = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const issuedAt = Date.now();
  const subject = { commonName: hosts[0] ?? "leaf" };
  const certPem = createCertificate({
    serial: randomSerial(),
    subject,
    issuer: issuer === "self" ? subject : issuer.name,
    notBefore: options.notBefore ?? new Date(issuedAt - HOUR_MS),
    notAfter: options.notAfter ?? new Date(issuedAt + 24 * HOUR_MS),
    publicKey: leaf.publicKey,
    signingKey: issuer === "self" ? leaf.privateKey : issuer.key,
    isCa: false,
    dnsNames: hosts.filter((host) => isIP(host) === 0),
    ipAddresses: hosts.filter((host) => isIP(host) !== 0),
  });
  const keyPem = leaf.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { certPem, keyPem };
}
