/**
 * Counts a byte string in a child process's whole readable memory (/proc/<pid>/maps and mem):
 * V8 heap, off-heap Buffers, OpenSSL and libc allocations, the environment block, freed memory
 * not yet reused. Linux only; reading a child's memory needs ptrace permission (the parent has it).
 */
import { open, readFile } from "node:fs/promises";

/** Occurrences per mapping name ("[stack]", "[heap]", "anonymous", a file path). */
export async function countInProcessMemory(
  pid: number,
  needle: Buffer,
): Promise<Record<string, number>> {
  const maps = await readFile(`/proc/${pid}/maps`, "utf8");
  const mem = await open(`/proc/${pid}/mem`, "r");
  const found: Record<string, number> = {};
  const chunkSize = 8 * 1024 * 1024;
  const chunk = Buffer.alloc(chunkSize + needle.length);
  try {
    for (const line of maps.trim().split("\n")) {
      const [range = "", perms = "", , , , name = "anonymous"] = line.split(/\s+/);
      if (!perms.startsWith("r")) continue;
      const [start, end] = range.split("-").map((x) => parseInt(x, 16)) as [number, number];
      for (let at = start; at < end; at += chunkSize) {
        const length = Math.min(chunkSize + needle.length - 1, end - at);
        const { bytesRead } = await mem.read(chunk, 0, length, at).catch(() => ({ bytesRead: 0 }));
        const view = chunk.subarray(0, bytesRead);
        for (
          let i = view.indexOf(needle);
          i >= 0 && i < chunkSize;
          i = view.indexOf(needle, i + 1)
        ) {
          found[name] = (found[name] ?? 0) + 1;
        }
      }
    }
  } finally {
    await mem.close();
  }
  return found;
}
