/**
 * The one Ed25519 signature check on the request path. libsodium's `crypto_sign_verify_detached`
 * (through sodium-native's prebuilt binding) costs about half of OpenSSL's verify through
 * node:crypto. libsodium is the stricter of the two (it also refuses small-order and non-canonical
 * public keys and R points), so it never accepts a signature node:crypto would refuse.
 *
 * If the native module cannot be loaded, node:crypto verifies instead and `fallbackReason` says
 * why (the proxy logs it once at start). There is no third option: a failed check is a refusal.
 * sodium-native is an optional peer dependency (18 MB of prebuilt binaries): a default install
 * verifies with node:crypto, and the reason names the command that installs it.
 */
import { verify as cryptoVerify, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";

/** The part of sodium-native this module uses. */
export interface SodiumVerify {
  crypto_sign_verify_detached(signature: Buffer, message: Buffer, publicKey: Buffer): boolean;
}

export interface Ed25519Verifier {
  /** "libsodium", or "node:crypto" when the native module could not be loaded. */
  readonly backend: "libsodium" | "node:crypto";
  /** Why libsodium is not in use (for one warning at start); undefined when it is. */
  readonly fallbackReason?: string;
  /** True only for a valid signature of `message` by `key` (an Ed25519 public KeyObject). */
  verify(message: Buffer, signature: Buffer, key: KeyObject): boolean;
}

/** The optional peer at the version tested (package.json pins the same). */
export const SODIUM_PACKAGE = "sodium-native@5.1.0";

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** Loads sodium-native; the loader is injectable so the fallback path can be tested. */
export function createEd25519Verifier(
  load: () => SodiumVerify = () => createRequire(import.meta.url)("sodium-native"),
): Ed25519Verifier {
  let sodium: SodiumVerify;
  try {
    sodium = load();
    if (typeof sodium?.crypto_sign_verify_detached !== "function") {
      throw new Error("crypto_sign_verify_detached is missing");
    }
  } catch (err) {
    const absent = (err as NodeJS.ErrnoException)?.code === "MODULE_NOT_FOUND";
    return {
      backend: "node:crypto",
      fallbackReason: absent
        ? `sodium-native is not installed (npm install -g ${SODIUM_PACKAGE} for faster checks)`
        : `sodium-native could not be loaded (${err instanceof Error ? err.message : String(err)})`,
      verify: (message, signature, key) => cryptoVerify(null, message, key, signature),
    };
  }
  // Raw key bytes per KeyObject: key rings create one KeyObject per key and reuse it per request.
  const rawKeys = new WeakMap<KeyObject, Buffer>();
  return {
    backend: "libsodium",
    verify(message, signature, key) {
      let raw = rawKeys.get(key);
      if (raw === undefined) {
        const x = key.asymmetricKeyType === "ed25519" ? key.export({ format: "jwk" }).x : undefined;
        raw = Buffer.from(x ?? "", "base64url");
        rawKeys.set(key, raw);
      }
      // The binding throws on wrong sizes; refuse them here instead.
      if (raw.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
      return sodium.crypto_sign_verify_detached(signature, message, raw) === true;
    },
  };
}

let shared: Ed25519Verifier | undefined;

/**
 * The process-wide verifier, created on first use (loading the native module takes tens of ms,
 * which CLI commands that never verify should not pay); `start` calls it before listening.
 */
export function ed25519(): Ed25519Verifier {
  return (shared ??= createEd25519Verifier());
}
