/**
 * Lock files holding the owner's pid, created with O_EXCL. A lock whose owner process is gone is
 * stale (a CLI or proxy killed with -9) and is taken over. Used for config edits (short waits) and
 * for `start`, so two proxies never write one home's audit log; a running proxy adds its listen
 * address so a second `start` can say who holds the home.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SigilError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";

/** Who holds a lock: the pid, and for the proxy lock the address it listens on. */
export interface LockHolder {
  pid: number;
  listen?: string;
}

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

/**
 * Adds the holder's listen address to a lock this process holds. Written by rename, so a
 * concurrent staleness check reads the old content or the new one, never an empty file.
 */
export function recordLockHolder(path: string, listen: string): void {
  writeFileAtomic(path, JSON.stringify({ pid: process.pid, listen } satisfies LockHolder));
}

/** The lock's holder as written (a bare pid, or JSON with the listen address); undefined if unreadable. */
export function readLockHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const v = JSON.parse(text) as { pid?: unknown; listen?: unknown };
    if (!Number.isInteger(v.pid)) return undefined;
    return {
      pid: v.pid as number,
      ...(typeof v.listen === "string" ? { listen: v.listen } : {}),
    };
  } catch {
    return undefined;
  }
}

function isStale(path: string): boolean {
  try {
    const pid = readLockHolder(path)?.pid ?? 0;
    if (pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "EPERM";
  }
}
