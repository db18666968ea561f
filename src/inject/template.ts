/**
 * `{field}` templates for injected values (`Bearer {value}`, `token {token}`), compiled once when
 * the config loads. Rendering refuses credential bytes that could split a header (CR, LF, NUL and
 * other controls), so a hostile secret value cannot smuggle extra headers upstream.
 */
import { SigilError } from "../errors.js";
import type { Credential } from "../backends/backend.js";

type Part = { literal: string } | { field: string };

export interface Template {
  readonly fields: readonly string[];
  render(cred: Credential): string;
}

export function compileTemplate(text: string): Template {
  const parts: Part[] = [];
  const re = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) parts.push({ literal: text.slice(last, m.index) });
    parts.push({ field: m[1] as string });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  for (const p of parts) {
    if ("literal" in p && /[{}\r\n\0]/.test(p.literal)) {
      throw new SigilError(
        "ERR_USAGE",
        `invalid template "${text}": stray brace or control character`,
      );
    }
  }
  const fields = parts.flatMap((p) => ("field" in p ? [p.field] : []));
  if (fields.length === 0) {
    throw new SigilError("ERR_USAGE", `template "${text}" has no {field} placeholder`);
  }
  return {
    fields,
    render(cred) {
      let out = "";
      for (const p of parts) out += "literal" in p ? p.literal : fieldText(cred, p.field);
      return out;
    },
  };
}

/** The text of one credential field, checked to be safe inside an HTTP header or query. */
export function fieldText(cred: Credential, name: string): string {
  const buf = cred.fields.get(name);
  if (!buf) throw new SigilError("ERR_INJECTION_FAILED", `credential has no field "${name}"`);
  for (const byte of buf) {
    if (byte < 0x20 || byte === 0x7f) {
      throw new SigilError(
        "ERR_INJECTION_FAILED",
        `credential field "${name}" has control characters`,
      );
    }
  }
  return buf.toString("utf8");
}
