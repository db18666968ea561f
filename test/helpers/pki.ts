/**
 * A throwaway PKI for fake upstreams, deliberately separate from Vault's MITM CA so tests can tell
 * "verified against the upstream's CA" apart from "trusted Vault's own CA".
 */
import { generateKeyPairSync } from "node:crypto";
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
    issue(hosts, options = {}) {
      const leaf = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const issuedAt = Date.now();
      const certPem = createCertificate({
        serial: randomSerial(),
        subject: { commonName: hosts[0] ?? "leaf" },
        issuer: caName,
        notBefore: options.notBefore ?? new Date(issuedAt - HOUR_MS),
        notAfter: options.notAfter ?? new Date(issuedAt + 24 * HOUR_MS),
        publicKey: leaf.publicKey,
        signingKey: ca.privateKey,
        isCa: false,
        dnsNames: hosts.filter((host) => isIP(host) === 0),
        ipAddresses: hosts.filter((host) => isIP(host) !== 0),
      });
      const keyPem = leaf.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      return { certPem, keyPem };
    },
  };
}
