/** Option checks that turn a missing or malformed flag into a usage error (exit 2). */
import { SigilError } from "../errors.js";
import { str, type Values } from "./command.js";

export function required(values: Values, name: string): string {
  const v = str(values, name);
  if (v === undefined || v === "") throw new SigilError("ERR_USAGE", `--${name} is required`);
  return v;
}

/** Parses `--options k=v,k=v` (spec §2). Values may not contain commas; keys must be unique. */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === "") return out;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? "" : pair.slice(0, eq).trim();
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw new SigilError("ERR_USAGE", `--options expects key=value pairs separated by commas`);
    }
    if (key in out) throw new SigilError("ERR_USAGE", `--options sets "${key}" twice`);
    out[key] = pair.slice(eq + 1).trim();
  }
  return out;
}
