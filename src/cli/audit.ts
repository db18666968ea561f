/** `sigil-vault audit tail|verify` — reading the hash-chained audit log (spec §8). */
import { formatRecordRow, TAIL_HEADER } from "../audit/format.js";
import type { AuditRecord } from "../audit/record.js";
import { followAudit, readTail } from "../audit/tail.js";
import { isProbeRecord } from "../probe/mark.js";
import { verifyAuditDir, verifyAuditFile, type VerifyProgress } from "../audit/verify.js";
import { SigilError } from "../errors.js";
import type { Command } from "./command.js";
import { str } from "./command.js";

const tail: Command = {
  path: ["audit", "tail"],
  summary: "show recent audit records",
  help: `Usage: sigil-vault audit tail [-n N] [--follow] [--include-probe] [--json]

Shows the last N records (default 20) as a table, or as raw JSON lines with --json.
--follow keeps printing records as they are appended, until Ctrl-C.
Records of the built-in probe (doctor --probe; "probe": true) are left out unless
--include-probe is given; audit verify always checks them, they are part of the chain.

Example:
  sigil-vault audit tail -n 50 --follow`,
  options: {
    n: { type: "string", short: "n" },
    follow: { type: "boolean" },
    "include-probe": { type: "boolean" },
  },
  async run(ctx, values) {
    const nText = str(values, "n") ?? "20";
    if (!/^\d{1,7}$/.test(nText)) throw new SigilError("ERR_USAGE", "-n expects a number");
    const keep = (r: AuditRecord) => values["include-probe"] === true || !isProbeRecord(r);
    const print = (r: AuditRecord) => {
      if (keep(r)) ctx.out(ctx.json ? JSON.stringify(r) : formatRecordRow(r));
    };
    const records = await readTail(ctx.home.auditDir, Number(nText), keep);
    if (!ctx.json) ctx.out(TAIL_HEADER);
    records.forEach(print);
    if (values["follow"] === true) {
      const controller = new AbortController();
      void ctx.stopSignal.then(() => controller.abort());
      const last = records.at(-1);
      await followAudit(
        ctx.home.auditDir,
        print,
        controller.signal,
        last ? { afterSeq: last.seq } : {},
      );
    }
    return 0;
  },
};

const verify: Command = {
  path: ["audit", "verify"],
  summary: "recompute every hash and link of the audit chain",
  help: `Usage: sigil-vault audit verify [--file F] [--json]

Prints "OK <n> records, head <hash>" and exits 0, or names the first bad line (file, line number,
seq, reason) and exits 1. --file checks one file's internal chain only. On a terminal a
progress line (percent of bytes, records so far) is shown on stderr while it runs.

Example:
  sigil-vault audit verify && sigil-vault audit tail -n 1 --json`,
  options: { file: { type: "string" } },
  async run(ctx, values) {
    const file = str(values, "file");
    const onProgress = (p: VerifyProgress) => {
      const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytes) / p.totalBytes) : 100;
      ctx.progress.update(`verifying ${pct}% — ${p.records.toLocaleString("en-US")} records`);
    };
    const result = file
      ? await verifyAuditFile(file, onProgress)
      : await verifyAuditDir(ctx.home.auditDir, onProgress);
    ctx.progress.clear();
    if (ctx.json) {
      ctx.out(JSON.stringify(result));
      return result.ok ? 0 : 1;
    }
    if (result.ok) {
      ctx.out(`OK ${result.count} records, head ${result.head?.hash ?? "(empty log)"}`);
      return 0;
    }
    ctx.err(
      `FAIL ${result.file} line ${result.line}` +
        (result.seq !== null ? ` (seq ${result.seq})` : "") +
        `: ${result.reason}`,
    );
    return 1;
  },
};

export const auditCommands = [tail, verify];
