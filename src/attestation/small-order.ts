/**
 * Ed25519 public keys of small order (and their non-canonical encodings), as libsodium's
 * `ge25519_has_small_order` lists them. Such a key verifies trivial signatures for any message
 * under some verifiers — node:crypto (OpenSSL) among them, which is Vault's fallback when
 * sodium-native is not installed — so an anchor may never pin one. RFC 8032 §5.1.7 leaves the
 * check to the application; https://eprint.iacr.org/2020/1244 surveys the verifiers.
 */
const hex = (h: string) => Buffer.from(h, "hex");

const BLOCKLIST = [
  hex("0000000000000000000000000000000000000000000000000000000000000000"), // order 4
  hex("0100000000000000000000000000000000000000000000000000000000000000"), // order 1
  hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), // order 8
  hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), // order 8
  hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p − 1, order 2
  hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p ≡ 0
  hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p + 1 ≡ 1
];

/** True when the 32-byte encoding is a small-order point, whatever its sign bit. */
export function isSmallOrderKey(x: Uint8Array): boolean {
  if (x.length !== 32) return false;
  return BLOCKLIST.some((b) => {
    for (let i = 0; i < 31; i++) if (x[i] !== b[i]) return false;
    return ((x[31] as number) & 0x7f) === b[31];
  });
}
