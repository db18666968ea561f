/**
 * The local MITM CA (spec §1): created once by `init`, stored as `ca.crt` (0644) + `ca.key` (0600)
 * in the home directory, and loaded by the proxy, which refuses a key that others could read.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../config/atomic-write.js";
import { SigilError } from "../errors.js";
import { readCertificateParts } from "./der-reader.js";
import { createCertificate, keyIdentifier, randomSerial } from "./x509.js";

const HOUR_MS = 3_600_000;
const CERT_FILE = "ca.crt";
const KEY_FILE = "ca.key";

/** A CA as PEM text, as created and as stored. */
export interface CaPem {
  readonly certPem: string;
  /** PKCS#8 PEM. Secret: never log or print it. */
  readonly keyPem: string;
}

/** What signing a leaf needs from a CA. */
export interface IssuingCa {
  readonly certPem: string;
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  /** The CA's subject Name DER, used verbatim as each leaf's issuer. */
  readonly subjectDer: Buffer;
  /** The CA's subjectKeyIdentifier, used as each leaf's authorityKeyIdentifier. */
  readonly keyId: Buffer;
}

/** A CA loaded from a home directory. */
export interface LoadedCa extends IssuingCa {
  /** Absolute path of `ca.crt`, for telling users what to trust. */
  readonly certPath: string;
}

/** Options for {@link createCa}. */
export interface CreateCaOptions {
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** A new ECDSA P-256 CA, valid from one hour ago for ten years, CN "Sigil Vault Local CA <8 hex>". */
export function createCa(options: CreateCaOptions = {}): CaPem {
  const nowMs = (options.now ?? Date.now)();
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const notAfter = new Date(nowMs);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const name = {
    commonName: `Sigil Vault Local CA ${randomBytes(4).toString("hex")}`,
    organization: "Sigil Vault",
  };
  const certPem = createCertificate({
    serial: randomSerial(),
    subject: name,
    issuer: name,
    notBefore: new Date(nowMs - HOUR_MS),
    notAfter,
    publicKey,
    signingKey: privateKey,
    isCa: true,
    pathLen: 0,
  });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { certPem, keyPem };
}

/** Parses and cross-checks a CA's PEM pair; ERR_CONFIG_INVALID with a reason if unusable. */
export function parseCa(ca: CaPem): IssuingCa {
  let key: KeyObject;
  let cert: X509Certificate;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch {
    throw invalid("the CA key is not a valid PEM private key");
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw invalid("the CA key is not an ECDSA P-256 key");
  }
  try {
    cert = new X509Certificate(ca.certPem);
  } catch {
    throw invalid("the CA certificate is not a valid PEM certificate");
  }
  if (!cert.ca) throw invalid("the CA certificate is not a CA (basicConstraints CA:FALSE)");
  if (!cert.checkPrivateKey(key)) throw invalid("the CA key does not match the CA certificate");
  const parts = readCertificateParts(cert.raw);
  const keyId = parts.subjectKeyId ?? keyIdentifier(cert.publicKey);
  return { certPem: ca.certPem, cert, key, subjectDer: parts.subjectDer, keyId };
}

/** Options for {@link writeCa}. */
export interface WriteCaOptions {
  /** Replace an existing CA (users who trusted the old one must trust the new one). Default false. */
  readonly overwrite?: boolean;
}

/** Writes `ca.key` (0600) then `ca.crt` (0644) into `dir`, each atomically; returns their paths. */
export async function writeCa(
  dir: string,
  ca: CaPem,
  options: WriteCaOptions = {},
): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw new SigilError("ERR_IO", `cannot create ${dir} (${errorCode(err)})`);
  });
  if (!options.overwrite) {
    for (const path of [keyPath, certPath]) {
      if (await exists(path)) {
        throw new SigilError(
          "ERR_CONFLICT",
          `a CA already exists at ${path}; refusing to replace it`,
        );
      }
    }
  }
  for (const [path, data, mode] of [
    [keyPath, ca.keyPem, 0o600],
    [certPath, ca.certPem, 0o644],
  ] as const) {
    try {
      writeFileAtomic(path, data, mode);
    } catch (err) {
      throw new SigilError("ERR_IO", `cannot write ${path} (${errorCode(err)})`);
    }
  }
  return { certPath, keyPath };
}

/** Loads the CA from `dir`, refusing a key file that group or others can access. */
export async function loadCa(dir: string): Promise<LoadedCa> {
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  const keyPem = await readKeyFile(keyPath);
  let certPem: string;
  try {
    certPem = await fs.readFile(certPath, "utf8");
  } catch (err) {
    throw invalid(`cannot read the CA certificate ${certPath} (${errorCode(err)})`);
  }
  return { ...parseCa({ certPem, keyPem }), certPath };
}

async function readKeyFile(keyPath: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(keyPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = errorCode(err);
    if (code === "ENOENT") throw invalid(`no CA key at ${keyPath}; run \`sigil-vault init\``);
    throw invalid(`cannot open the CA key ${keyPath} (${code})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw invalid(`the CA key ${keyPath} is not a regular file`);
    const mode = stat.mode & 0o777;
    if (process.platform !== "win32" && (mode & 0o077) !== 0) {
      const octal = mode.toString(8).padStart(4, "0");
      throw invalid(
        `the CA key ${keyPath} is accessible by group or others (mode ${octal}); run chmod 600 on it`,
      );
    }
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : "unknown error";
}

function invalid(reason: string): SigilError {
  return new SigilError("ERR_CONFIG_INVALID", reason);
}
