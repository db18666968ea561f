/**
 * The probe's in-process backend: each fetch releases a fresh random canary, so the echo upstream
 * can tell an injected probe credential from anything else, and the redactor has a value to mask.
 * Only SHA-256 digests of recent canaries are kept, never the values.
 */
import { createHash, randomBytes } from "node:crypto";
import { createCredential, type Backend } from "../backends/backend.js";
import { PROBE_BACKEND } from "./names.js";

/** The probe backend plus the check the echo upstream uses. */
export interface ProbeBackend extends Backend {
  /** True when `value` is a canary this backend released recently. */
  issued(value: string): boolean;
}

const REMEMBERED = 32;

export function createProbeBackend(): ProbeBackend {
  const recent: string[] = [];
  const digest = (v: string | Buffer) => createHash("sha256").update(v).digest("hex");
  return {
    name: PROBE_BACKEND,
    kind: "probe",
    async fetch() {
      const value = Buffer.from(`svprobe_${randomBytes(24).toString("base64url")}`, "ascii");
      recent.push(digest(value));
      if (recent.length > REMEMBERED) recent.shift();
      return createCredential(new Map([["value", value]]));
    },
    issued: (value) => recent.includes(digest(value)),
    close: async () => undefined,
  };
}
