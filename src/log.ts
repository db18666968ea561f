/**
 * Structured logs on stderr: one JSON object per line with a level and, for request events, the
 * request id that also appears in the audit record. Callers pass only non-secret fields. On a
 * terminal the same fields are printed as one readable line instead.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "human";

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  minLevel?: LogLevel;
  format?: LogFormat;
  now?: () => Date;
}

export function createLogger(out: NodeJS.WritableStream, opts: LoggerOptions = {}): Logger {
  const minLevel = ORDER[opts.minLevel ?? "info"];
  const now = opts.now ?? (() => new Date());
  const format = opts.format === "human" ? humanLine : jsonLine;
  return {
    log(level, msg, fields) {
      if (ORDER[level] < minLevel) return;
      out.write(format(now(), level, msg, fields));
    },
  };
}

function jsonLine(ts: Date, level: LogLevel, msg: string, fields?: Record<string, unknown>) {
  return JSON.stringify({ ts: ts.toISOString(), level, msg, ...fields }) + "\n";
}

/** `12:03:04.005 INFO  request  requestId=… status=200` — values JSON-quoted only when needed. */
function humanLine(ts: Date, level: LogLevel, msg: string, fields?: Record<string, unknown>) {
  let line = `${ts.toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}`;
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (v === undefined) continue;
    const text = typeof v === "string" ? v : JSON.stringify(v);
    line += ` ${k}=${/^[^\s"=]*$/.test(text) && text !== "" ? text : JSON.stringify(text)}`;
  }
  return line + "\n";
}

export const silentLogger: Logger = { log() {} };
