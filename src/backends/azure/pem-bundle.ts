/**
 * Splits the PEM bundle Key Vault keeps behind a certificate (content type
 * application/x-pem-file: the private key and the certificate chain) into the fields the mtls
 * injector uses: `certificate` (the leaf — the one matching the key, wherever it sits in the
 * bundle), `ca_chain` (the others, in bundle order) and `private_key`. Works on Buffers, so no
 * copy of the key ends up in a JS string.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { SigilError } from "../../errors.js";

/** The parts of a certificate bundle, each PEM ending in a newline; copies, not views. */
export interface CertificateParts {
  certificate: Buffer;
  caChain?: Buffer;
  privateKey: Buffer;
}

const CERT = "CERTIFICATE";
/** PKCS#8 and the traditional RSA / EC forms; encrypted keys are refused. */
const KEY_LABELS = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];
const NEWLINE = Buffer.from("\n");

/** Splits `bundle` (left unmodified) or throws ERR_BACKEND_FAILED naming what is wrong. */
export function splitPemBundle(bundle: Buffer): CertificateParts {
  const certs = pemBlocks(bundle, CERT);
  const keys = KEY_LABELS.flatMap((label) => pemBlocks(bundle, label));
  if (keys.length > 1) throw bad("holds more than one private key");
  const key = keys[0];
  if (certs.length === 0 || !key) {
    throw bad("needs a certificate and an unencrypted private key in PEM");
  }
  const leaf = certs.findIndex((c) => matches(c, readKey(key)));
  if (leaf < 0) throw bad("has no certificate matching its private key");
  const chain = certs.filter((_, i) => i !== leaf);
  return {
    certificate: Buffer.concat([certs[leaf]!, NEWLINE]),
    ...(chain.length > 0 ? { caChain: Buffer.concat(chain.flatMap((c) => [c, NEWLINE])) } : {}),
    privateKey: Buffer.concat([key, NEWLINE]),
  };
}

/** Every block with this label, markers included, as views into `buf`. */
function pemBlocks(buf: Buffer, label: string): Buffer[] {
  const begin = Buffer.from(`-----BEGIN ${label}-----`);
  const end = Buffer.from(`-----END ${label}-----`);
  const out: Buffer[] = [];
  for (let at = buf.indexOf(begin); at >= 0; at = buf.indexOf(begin, at + 1)) {
    const stop = buf.indexOf(end, at + begin.length);
    if (stop < 0) throw bad("has a PEM block without its END line");
    out.push(buf.subarray(at, stop + end.length));
  }
  return out;
}

function readKey(pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw bad("has a private key that cannot be read");
  }
}

function matches(certPem: Buffer, key: KeyObject): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(key);
  } catch {
    throw bad("has a certificate that cannot be read");
  }
}

function bad(what: string): SigilError {
  return new SigilError("ERR_BACKEND_FAILED", `azure-key-vault certificate bundle ${what}`);
}
