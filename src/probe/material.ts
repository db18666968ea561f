/**
 * The probe's agent token and signing key, created fresh by each proxy start and stored in
 * `<home>/probe/` (0700 directory, 0600 files) for `doctor --probe`. They are useless for anything
 * but the probe route (isolation.ts) and die with the proxy that made them.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateAgentToken } from "../agents.js";
import { writeFileAtomic } from "../config/atomic-write.js";
import type { HomePaths } from "../config/home.js";
import type { DevKey, DevKeyJwk } from "../dev/keys.js";
import { loadDevKey } from "../dev/keys.js";
import { SigilError } from "../errors.js";
import { PROBE_KID } from "./names.js";

/** Where the probe material lives. */
export interface ProbePaths {
  dir: string;
  token: string;
  key: string;
}

export function probePaths(home: HomePaths): ProbePaths {
  const dir = join(home.root, "probe");
  return { dir, token: join(dir, "agent-token"), key: join(dir, "signing-key.json") };
}

/** A fresh token and Ed25519 key under the probe kid. */
export interface ProbeMaterial {
  token: string;
  key: DevKey;
}

export function createProbeMaterial(): ProbeMaterial {
  const { privateKey } = generateKeyPairSync("ed25519");
  const { x, d } = privateKey.export({ format: "jwk" }) as { x: string; d: string };
  const jwk: DevKeyJwk = { kty: "OKP", crv: "Ed25519", x, d, kid: PROBE_KID };
  return { token: generateAgentToken(), key: { kid: PROBE_KID, jwk, privateKey } };
}

/** Writes the material for doctor (owner-only), replacing what an earlier start left. */
export function writeProbeMaterial(paths: ProbePaths, m: ProbeMaterial): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(paths.token, m.token + "\n", 0o600);
  writeFileAtomic(paths.key, JSON.stringify(m.key.jwk) + "\n", 0o600);
}

export function removeProbeMaterial(paths: ProbePaths): void {
  rmSync(paths.token, { force: true });
  rmSync(paths.key, { force: true });
}

/** Reads what the running proxy wrote; ERR_NOT_FOUND when no proxy made any. */
export async function readProbeMaterial(paths: ProbePaths): Promise<ProbeMaterial> {
  let token: string;
  try {
    token = readFileSync(paths.token, "utf8").trim();
  } catch {
    throw new SigilError(
      "ERR_NOT_FOUND",
      `no probe material in ${paths.dir}; is the proxy running on this home?`,
    );
  }
  return { token, key: await loadDevKey(paths.key) };
}
