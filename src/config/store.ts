/**
 * Reading and writing the config file. Every load validates the whole file against the schema;
 * every write is atomic and serialised by a lock file so two CLI invocations never lose an edit.
 */
import { existsSync, readFileSync } from "node:fs";
import { SigilError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";
import { acquireLock } from "./lock-file.js";
import { configFileSchema, type ConfigFile } from "./schema.js";

/** Parses and validates config text; the error names the first offending field, never a value. */
export function parseConfigText(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SigilError("ERR_CONFIG_INVALID", `${source}: not valid JSON`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new SigilError(
      "ERR_CONFIG_INVALID",
      `${source}: ${where}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) {
    throw new SigilError(
      "ERR_CONFIG_INVALID",
      `no config at ${path}; run "sigil-vault init" first`,
    );
  }
  return parseConfigText(readFileSync(path, "utf8"), path);
}

export function writeConfigFile(path: string, cfg: ConfigFile): void {
  writeFileAtomic(path, JSON.stringify(cfg, null, 2) + "\n", 0o600);
}

/**
 * Read-modify-write under `<config>.lock`. The mutator may throw to abort; `validate` runs on the
 * result before anything is written, so an invalid state never reaches disk.
 */
export async function updateConfigFile<T>(
  path: string,
  mutate: (cfg: ConfigFile) => T,
  validate: (cfg: ConfigFile) => void,
): Promise<T> {
  readConfigFile(path); // a missing home or config fails here with "run init", not at the lock
  const release = await acquireLock(`${path}.lock`, 10_000);
  try {
    const cfg = readConfigFile(path);
    const result = mutate(cfg);
    const checked = parseConfigText(JSON.stringify(cfg), path);
    validate(checked);
    writeConfigFile(path, checked);
    return result;
  } finally {
    release();
  }
}
