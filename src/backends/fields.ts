/**
 * Turns the raw bytes a backend returned into named credential fields. A JSON object of strings
 * yields one field per key (so `basic` finds `username`/`password`); anything else is `value`.
 * `#field` selects one field, which then also becomes `value`.
 */
import { SigilError } from "../errors.js";

export function credentialFromBytes(raw: Buffer, field?: string): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  const obj = parseStringObject(raw);
  if (obj) {
    for (const [k, v] of Object.entries(obj)) fields.set(k, Buffer.from(v, "utf8"));
  }
  if (field !== undefined) {
    const picked = fields.get(field);
    if (!picked) {
      raw.fill(0);
      for (const b of fields.values()) b.fill(0);
      throw new SigilError("ERR_BACKEND_FAILED", `credential has no field "${field}"`);
    }
    fields.set("value", Buffer.from(picked));
    raw.fill(0);
    return fields;
  }
  fields.set("value", raw);
  return fields;
}

function parseStringObject(raw: Buffer): Record<string, string> | undefined {
  if (raw[0] !== 0x7b /* { */) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v === "string") out[k] = v;
      else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    }
    return out;
  } catch {
    return undefined;
  }
}
