/**
 * The dev key file: created once with mode 0600, reloaded unchanged, refused when world-readable or
 * inconsistent, and described by a fingerprint that pins it as a trust anchor.
 */
import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveAnchorKey } from "../../src/attestation/anchor.js";
import { devKeyInfo, loadDevKey, loadOrCreateDevKey } from "../../src/dev/keys.js";
import { SigilError } from "../../src/errors.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

describe("loadOrCreateDevKey", () => {
  it("creates a 0600 private JWK in a new 0700 directory and reloads the same key", async (t) => {
    const dir = join(await makeTmpDir(t), "nested");
    const path = join(dir, "dev-key.json");
    const created = await loadOrCreateDevKey(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const onDisk = JSON.parse(await readFile(path, "utf8")) as Record<string, string>;
    assert.deepEqual(Object.keys(onDisk).sort(), ["crv", "d", "kid", "kty", "x"]);
    assert.match(created.kid, /^dev-[0-9a-f]{12}$/);
    const again = await loadOrCreateDevKey(path);
    assert.equal(again.kid, created.kid);
    assert.equal(again.jwk.x, created.jwk.x);
  });

  it("derives the kid from the RFC 7638 thumbprint", async (t) => {
    const key = await loadOrCreateDevKey(join(await makeTmpDir(t), "k.json"));
    const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${key.jwk.x}"}`;
    assert.equal(
      key.kid,
      "dev-" + createHash("sha256").update(canonical).digest("hex").slice(0, 12),
    );
  });

  it("refuses a key file readable by others", async (t) => {
    const path = join(await makeTmpDir(t), "k.json");
    await loadOrCreateDevKey(path);
    await chmod(path, 0o644);
    await assert.rejects(
      loadOrCreateDevKey(path),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_IO",
    );
  });

  const corrupt: [string, (jwk: Record<string, string>) => unknown][] = [
    [
      "a public half that does not belong to d",
      (j) => ({ ...j, x: Buffer.alloc(32, 9).toString("base64url") }),
    ],
    ["a missing d", ({ d: _d, ...j }) => j],
    ["a missing kid", ({ kid: _kid, ...j }) => j],
    ["an X25519 curve", (j) => ({ ...j, crv: "X25519" })],
  ];
  for (const [what, mutate] of corrupt) {
    it(`refuses a key file with ${what}`, async (t) => {
      const path = join(await makeTmpDir(t), "k.json");
      await loadOrCreateDevKey(path);
      const jwk = JSON.parse(await readFile(path, "utf8")) as Record<string, string>;
      await writeFile(path, JSON.stringify(mutate(jwk)), { mode: 0o600 });
      await assert.rejects(
        loadDevKey(path),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_CONFIG_INVALID",
      );
    });
  }

  it("reports a missing file as not found", async (t) => {
    const path = join(await makeTmpDir(t), "absent.json");
    await assert.rejects(
      loadDevKey(path),
      (err: unknown) => err instanceof SigilError && err.code === "ERR_NOT_FOUND",
    );
  });
});

describe("devKeyInfo", () => {
  it("gives a public JWKS without d and a fingerprint that pins the key as an anchor", async (t) => {
    const key = await loadOrCreateDevKey(join(await makeTmpDir(t), "k.json"));
    const info = devKeyInfo(key);
    assert.equal(JSON.stringify(info.jwks).includes('"d"'), false);
    const raw = createPublicKey(key.privateKey)
      .export({ format: "der", type: "spki" })
      .subarray(-32);
    assert.equal(info.fingerprint, "sha256:" + createHash("sha256").update(raw).digest("hex"));
    const anchored = await resolveAnchorKey({
      kid: info.kid,
      fingerprint: info.fingerprint,
      issuers: ["sigil-core"],
      audience: "sigil-sign",
      jwk: info.publicJwk,
    });
    assert.equal(anchored.export({ format: "jwk" }).x, key.jwk.x);
  });
});
