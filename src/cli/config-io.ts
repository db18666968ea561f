/** Shared config access for commands: read for listing, locked + validated update for changes. */
import { compileConfig } from "../config/compile.js";
import type { ConfigFile } from "../config/schema.js";
import { readConfigFile, updateConfigFile } from "../config/store.js";
import type { CliContext } from "./command.js";
import { assertNoProbeNames } from "../probe/names.js";

export function readConfig(ctx: CliContext): ConfigFile {
  return readConfigFile(ctx.home.config);
}

/** Applies `mutate`, checks the whole result compiles (patterns, references, ambiguity), writes. */
export function changeConfig<T>(ctx: CliContext, mutate: (cfg: ConfigFile) => T): Promise<T> {
  return updateConfigFile(ctx.home.config, mutate, (cfg) => {
    compileConfig(cfg);
    assertNoProbeNames(cfg);
  });
}
