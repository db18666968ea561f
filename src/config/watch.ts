/**
 * Hot reload (spec §1): the proxy polls the config file's identity (inode, size, mtime) twice a
 * second and applies a changed, valid file within 1 s. An invalid file is reported and the last
 * good config stays in force; the CLI never writes an invalid one.
 */
import { readFile, stat } from "node:fs/promises";
import { compileConfig, type RuntimeConfig } from "./compile.js";
import { parseConfigText } from "./store.js";

export interface ConfigWatcher {
  stop(): void;
}

export function watchConfig(
  path: string,
  onChange: (config: RuntimeConfig) => Promise<void>,
  onError: (reason: string) => void,
  intervalMs = 250,
): ConfigWatcher {
  let lastId = "";
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const s = await stat(path);
      const id = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (id === lastId) return;
      const first = lastId === "";
      lastId = id;
      if (first) return;
      const config = compileConfig(parseConfigText(await readFile(path, "utf8"), path));
      await onChange(config);
    } catch (err) {
      onError(err instanceof Error ? err.message : "config reload failed");
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
