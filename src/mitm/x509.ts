/**
 * Builds X.509 v3 certificates (RFC 5280) signed with ECDSA P-256 / SHA-256, for the MITM CA and its
 * per-host leaves. Only the profile Vault needs: a CA with pathlen 0, and TLS server leaves.
 */
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from "node:crypto";
import * as der from "./der.js";
import { readChildren, readElement } from "./der-reader.js";
import { ipAddressBytes } from "./ip-address.js";

/** A Name with the two attributes Vault uses; encoded as O then CN, both UTF8String. */
export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
}

/** Everything a certificate says; see RFC 5280 §4.1 and §4.2 for each field. */
export interface CertificateSpec {
  /** Positive serial, big-endian magnitude (at most 20 octets); see {@link randomSerial}. */
  readonly serial: Buffer;
  readonly subject: DistinguishedName;
  /** The issuer's Name, or its exact subject DER (preferred when issuing from a loaded CA). */
  readonly issuer: DistinguishedName | Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The certified public key (a private key is accepted; its public half is used). */
  readonly publicKey: KeyObject;
  /** The issuer's EC P-256 private key (the subject's own key for a self-signed CA). */
  readonly signingKey: KeyObject;
  readonly isCa: boolean;
  /** basicConstraints pathLenConstraint for a CA; default 0 (may sign leaves only). */
  readonly pathLen?: number;
  readonly dnsNames?: readonly string[];
  /** IPv4 or IPv6 literals, without brackets. */
  readonly ipAddresses?: readonly string[];
  /** The issuer's subjectKeyIdentifier; default: derived from `signingKey` as ours are. */
  readonly authorityKeyId?: Buffer;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/** A name a dNSName can carry: LDH labels (plus `_`), each ≤ 63, total ≤ 253, no wildcard. */
export function isDnsName(name: string): boolean {
  return DNS_NAME.test(name);
}

/** 16 random bytes, read as a positive integer (the DER encoder adds the sign octet if needed). */
export function randomSerial(): Buffer {
  return randomBytes(16);
}

/**
 * Key identifier per RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the
 * subjectPublicKey BIT STRING value.
 */
export function keyIdentifier(key: KeyObject): Buffer {
  return spkiKeyIdentifier(publicKeyOf(key).export({ type: "spki", format: "der" }));
}

function spkiKeyIdentifier(spkiDer: Buffer): Buffer {
  const bits = readChildren(readElement(spkiDer))[1];
  if (bits === undefined || bits.tag !== 0x03) throw new RangeError("malformed SPKI");
  return createHash("sha256").update(bits.content.subarray(1)).digest().subarray(0, 20);
}

/** Encodes and signs a certificate; returns it as PEM. */
export function createCertificate(spec: CertificateSpec): string {
  assertSigningKey(spec.signingKey);
  if (!(spec.notAfter.getTime() > spec.notBefore.getTime())) {
    throw new RangeError("notAfter must be after notBefore");
  }
  if (spec.serial.length === 0 || spec.serial.length > 20 || spec.serial.every((b) => b === 0)) {
    throw new RangeError("serial must be 1–20 octets and non-zero");
  }
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const issuer = Buffer.isBuffer(spec.issuer) ? spec.issuer : encodeName(spec.issuer);
  const spki = publicKeyOf(spec.publicKey).export({ type: "spki", format: "der" });
  const tbs = der.sequence(
    der.explicit(0, der.unsignedInteger(2)),
    der.unsignedInteger(spec.serial),
    algorithm,
    issuer,
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    encodeName(spec.subject),
    spki,
    der.explicit(3, der.sequence(...extensions(spec, spkiKeyIdentifier(spki)))),
  );
  const signature = sign("sha256", tbs, { key: spec.signingKey, dsaEncoding: "der" });
  const cert = der.sequence(tbs, algorithm, der.bitString(signature));
  const lines = cert.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** The DER encoding of a Name: RDNs O then CN, one attribute each. */
function encodeName(name: DistinguishedName): Buffer {
  const rdn = (type: string, value: string) =>
    der.setOf(der.sequence(der.oid(type), der.utf8String(value)));
  if (name.commonName.length < 1 || name.commonName.length > 64) {
    throw new RangeError("commonName must be 1–64 characters");
  }
  const rdns = [rdn(OID.commonName, name.commonName)];
  if (name.organization !== undefined) rdns.unshift(rdn(OID.organization, name.organization));
  return der.sequence(...rdns);
}

function extensions(spec: CertificateSpec, ski: Buffer): Buffer[] {
  if (spec.isCa) {
    const pathLen = spec.pathLen ?? 0;
    return [
      extension(
        OID.basicConstraints,
        true,
        der.sequence(der.boolean(true), der.unsignedInteger(pathLen)),
      ),
      extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      extension(OID.subjectKeyId, false, der.octetString(ski)),
    ];
  }
  const aki = spec.authorityKeyId ?? keyIdentifier(spec.signingKey);
  const names = subjectAltNames(spec.dnsNames ?? [], spec.ipAddresses ?? []);
  return [
    extension(OID.basicConstraints, true, der.sequence()),
    extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.digitalSignature])),
    extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, der.sequence(...names)),
    extension(OID.authorityKeyId, false, der.sequence(der.implicitPrimitive(0, aki))),
    extension(OID.subjectKeyId, false, der.octetString(ski)),
  ];
}

function subjectAltNames(dnsNames: readonly string[], ips: readonly string[]): Buffer[] {
  if (dnsNames.length + ips.length === 0) throw new RangeError("a leaf needs at least one name");
  const names = dnsNames.map((name) => {
    if (!isDnsName(name)) throw new RangeError("invalid DNS name for subjectAltName");
    return der.implicitPrimitive(2, der.ia5Bytes(name));
  });
  for (const ip of ips) {
    const bytes = ipAddressBytes(ip);
    if (bytes === undefined) throw new RangeError("invalid IP address for subjectAltName");
    names.push(der.implicitPrimitive(7, bytes));
  }
  return names;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  const flag = critical ? [der.boolean(true)] : [];
  return der.sequence(der.oid(id), ...flag, der.octetString(value));
}

function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === "private" ? createPublicKey(key) : key;
}

function assertSigningKey(key: KeyObject): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.type !== "private" || key.asymmetricKeyType !== "ec" || curve !== "prime256v1") {
    throw new TypeError("signingKey must be an EC P-256 private key");
  }
}
