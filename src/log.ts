/**
 * Structured logs on stderr: one JSON object per line with a level and, for request events, the
 * request id that also appears in the audit record. Callers pass only non-secret fields.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  out: NodeJS.WritableStream,
  minLevel: LogLevel = "info",
  now: () => Date = () => new Date(),
): Logger {
  return {
    log(level, msg, fields) {
      if (ORDER[level] < ORDER[minLevel]) return;
      out.write(JSON.stringify({ ts: now().toISOString(), level, msg, ...fields }) + "\n");
    },
  };
}

export const silentLogger: Logger = { log() {} };
