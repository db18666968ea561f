/**
 * Reading and writing the config file. Every load validates the whole file against the schema;
 * every write is atomic and serialised by a lock file so two CLI invocations never lose an edit.
 */
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SigilError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";
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
  const release = await acquireLock(`${path}.lock`);
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

async function acquireLock(lockPath: string): Promise<() => void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => unlinkSync(lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (isStale(lockPath)) {
        try {
          unlinkSync(lockPath);
        } catch {
          // Another process removed it first; retry the acquisition either way.
        }
        continue;
      }
      if (Date.now() > deadline) {
        throw new SigilError("ERR_IO", `config is locked by another process (${lockPath})`);
      }
      await sleep(20);
    }
  }
}

/** A lock whose owner process is gone is stale (a CLI killed mid-write). */
function isStale(lockPath: string): boolean {
  try {
    const pid = Number(readFileSync(lockPath, "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "EPERM";
  }
}
