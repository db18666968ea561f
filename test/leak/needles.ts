/**
 * The leak scan: every secret a test handed the proxy, in each form it could be written out in
 * (raw, base64, base64url, hex, URL-encoded), searched for in everything the proxy emitted.
 * A hit names the secret, the form and the place, never the value.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** A secret and the encodings to look for. */
export interface Needle {
  readonly name: string;
  readonly bytes: Buffer;
}

/** Something the proxy emitted: a response, a log, a file. */
export type Haystack = readonly [where: string, bytes: Buffer];

export function needleForms(name: string, value: string): Needle[] {
  const raw = Buffer.from(value, "utf8");
  const forms: [string, string][] = [
    ["raw", value],
    ["base64", raw.toString("base64")],
    ["base64url", raw.toString("base64url")],
    ["hex", raw.toString("hex")],
    ["URL-encoded", encodeURIComponent(value)],
  ];
  const seen = new Set<string>();
  const out: Needle[] = [];
  for (const [form, text] of forms) {
    if (text.length < 8) throw new Error(`${name} is too short to search for`);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ name: `${name} (${form})`, bytes: Buffer.from(text, "utf8") });
  }
  return out;
}

/** One line per needle found in a haystack. */
export function scan(haystacks: readonly Haystack[], needles: readonly Needle[]): string[] {
  const hits: string[] = [];
  for (const [where, bytes] of haystacks) {
    for (const n of needles) if (bytes.includes(n.bytes)) hits.push(`${n.name} in ${where}`);
  }
  return hits;
}

/** Every file under `dir`, as haystacks named by their path relative to it. */
export async function fileHaystacks(dir: string, label: string): Promise<Haystack[]> {
  const out: Haystack[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push([`${label} file ${path.slice(dir.length + 1)}`, await readFile(path)]);
  }
  return out;
}
