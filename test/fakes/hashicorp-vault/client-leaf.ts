/**
 * A leaf usable as a TLS client certificate (extKeyUsage serverAuth + clientAuth), signed by an
 * IssuingCa. src/mitm/x509.ts only makes server leaves (serverAuth), which OpenSSL refuses as
 * client certificates ("unsupported certificate purpose"), so the fake PKI encodes its own here.
 */
import { sign, type KeyObject } from "node:crypto";
import type { IssuingCa } from "../../../src/mitm/ca.js";
import * as der from "../../../src/mitm/der.js";
import { keyIdentifier } from "../../../src/mitm/x509.js";

export interface ClientLeafSpec {
  readonly ca: IssuingCa;
  readonly serial: Buffer;
  /** A DNS name; also the single subjectAltName. */
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  subjectKeyId: "2.5.29.14",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** Returns the leaf as PEM. */
export function signClientLeaf(spec: ClientLeafSpec): string {
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const subject = der.sequence(
    der.setOf(der.sequence(der.oid(OID.commonName), der.utf8String(spec.commonName))),
  );
  const ext = (id: string, critical: boolean, value: Buffer) =>
    der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
  const extensions = [
    ext(OID.basicConstraints, true, der.sequence()),
    ext(OID.keyUsage, true, der.namedBits([0, 2])), // digitalSignature, keyEncipherment
    ext(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth))),
    ext(
      OID.subjectAltName,
      false,
      der.sequence(der.implicitPrimitive(2, der.ia5Bytes(spec.commonName))),
    ),
    ext(OID.authorityKeyId, false, der.sequence(der.implicitPrimitive(0, spec.ca.keyId))),
    ext(OID.subjectKeyId, false, der.octetString(keyIdentifier(spec.publicKey))),
  ];
  const tbs = der.sequence(
    der.explicit(0, der.unsignedInteger(2)),
    der.unsignedInteger(spec.serial),
    algorithm,
    spec.ca.subjectDer,
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    subject,
    spec.publicKey.export({ type: "spki", format: "der" }),
    der.explicit(3, der.sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, { key: spec.ca.key, dsaEncoding: "der" });
  const cert = der.sequence(tbs, algorithm, der.bitString(signature));
  const lines = cert.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
