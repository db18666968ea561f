/**
 * A progress line for long CLI operations: redrawn in place on a terminal at most every 100 ms,
 * and absent when stderr is a file or pipe (logs and scripts must not fill with carriage returns).
 */
export interface ProgressLine {
  /** Shows `text` unless the last redraw was under 100 ms ago (`force` draws anyway). */
  update(text: string, force?: boolean): void;
  /** Erases the line so the final result prints on a clean one. */
  clear(): void;
}

const REDRAW_MS = 100;

export function createProgressLine(
  stream: NodeJS.WriteStream,
  nowMs: () => number = Date.now,
): ProgressLine {
  if (!stream.isTTY) return { update() {}, clear() {} };
  let last = -Infinity;
  let shown = false;
  return {
    update(text, force = false) {
      const now = nowMs();
      if (!force && now - last < REDRAW_MS) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2K${text}`);
    },
    clear() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
