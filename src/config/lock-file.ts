/**
 * Lock files holding the owner's pid, created with O_EXCL. A lock whose owner process is gone is
 * stale (a CLI or proxy killed with -9) and is taken over. Used for config edits (short waits) and
 * for `start`, so two proxies never write one home's audit log.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SigilError } from "../errors.js";

/** Takes the lock or returns undefined when a live process holds it. */
export function tryLock(path: string): (() => void) | undefined {
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone (the home was deleted); nothing to release.
        }
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        throw new SigilError(
          "ERR_CONFIG_INVALID",
          `${path}: home directory missing; run "sigil-vault init" first`,
        );
      }
      if (code !== "EEXIST") throw err;
      if (!isStale(path)) return undefined;
      try {
        unlinkSync(path);
      } catch {
        // Another process removed it first; retry the acquisition either way.
      }
    }
  }
}

/** Waits up to `timeoutMs` for the lock. */
export async function acquireLock(path: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const release = tryLock(path);
    if (release) return release;
    if (Date.now() > deadline)
      throw new SigilError("ERR_IO", `locked by another process (${path})`);
    await sleep(20);
  }
}

function isStale(path: string): boolean {
  try {
    const pid = Number(readFileSync(path, "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "EPERM";
  }
}
